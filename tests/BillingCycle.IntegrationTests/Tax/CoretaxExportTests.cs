using System.Globalization;
using System.Net;
using System.Xml.Linq;
using BillingCycle.Api.Tax;
using BillingCycle.TestSupport;

namespace BillingCycle.IntegrationTests.Tax;

/// <summary>
/// The month's faktur (contract §12.4): /admin/tax and Coretax's TaxInvoiceBulk document of a
/// seeded month — parsed with XDocument, elements exactly the template's in its order, one
/// TaxInvoice per NPWP/NIK invoice paid that month in Asia/Jakarta, amounts equal to the tax line.
/// </summary>
public sealed class CoretaxExportTests : IAsyncLifetime
{
    private const string Awkward = "PT \"Maju\" <Jaya> & Sons' 🚀";
    private TaxWorld _t = null!;

    public async Task InitializeAsync() => _t = await TaxWorld.StartAsync();

    public async Task DisposeAsync() => await _t.DisposeAsync();

    /// <summary>Four buyers paid; their paid_at set to the edges of February 2027 in Jakarta.</summary>
    private async Task<Dictionary<string, Guid>> SeedMonthAsync()
    {
        var db = _t.W.H.Db;
        foreach (var u in new[] { "u_npwp", "u_nik", "u_retail", "u_january", "u_passport" })
        {
            await Seed.UserAsync(db, u);
        }
        (await _t.PutDetailsAsync("u_npwp", new { name = Awkward, address = "Jl. <Sudirman> & \"1\"", email = "ap@maju.example", tax_id_type = "npwp", tax_id = "01.234.567.8-901.111" })).EnsureSuccessStatusCode();
        (await _t.PutDetailsAsync("u_nik", new { name = "Budi Santoso", tax_id_type = "nik", tax_id = "3171010101010001" })).EnsureSuccessStatusCode();
        (await _t.PutDetailsAsync("u_passport", new { name = "Jane Doe", tax_id_type = "passport", tax_id = "x1234567" })).EnsureSuccessStatusCode();
        (await _t.PutDetailsAsync("u_january", new { name = "PT Januari", tax_id_type = "npwp", tax_id = "0099999999999000" })).EnsureSuccessStatusCode();
        var ids = new Dictionary<string, Guid>();
        foreach (var u in new[] { "u_npwp", "u_nik", "u_retail", "u_january", "u_passport" })
        {
            ids[u] = await _t.PaidInvoiceAsync(u);
        }
        // 31 Jan 17:30 UTC is 1 Feb 00:30 in Jakarta: February. 31 Jan 16:59 UTC is 23:59 in Jakarta: January.
        await db.ExecAsync("UPDATE invoices SET paid_at = '2027-01-31 17:30Z' WHERE id = $1", ids["u_npwp"]);
        await db.ExecAsync("UPDATE invoices SET paid_at = '2027-02-28 16:59Z' WHERE id = $1", ids["u_nik"]);
        await db.ExecAsync("UPDATE invoices SET paid_at = '2027-02-10 03:00Z' WHERE id = $1", ids["u_retail"]);
        await db.ExecAsync("UPDATE invoices SET paid_at = '2027-01-31 16:59Z' WHERE id = $1", ids["u_january"]);
        await db.ExecAsync("UPDATE invoices SET paid_at = '2027-02-28 17:00Z' WHERE id = $1", ids["u_passport"]); // 1 March in Jakarta
        return ids;
    }

    [Fact]
    public async Task The_XML_of_a_seeded_month_parses_has_the_template_s_elements_in_order_and_one_TaxInvoice_per_faktur()
    {
        var ids = await SeedMonthAsync();
        using var admin = await _t.AdminAsync();

        using var res = await admin.Http.GetAsync(new Uri("/admin/tax/coretax.xml?month=2027-02", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        Assert.Equal("application/xml", res.Content.Headers.ContentType!.MediaType);
        var doc = XDocument.Parse(await res.Content.ReadAsStringAsync());

        var root = doc.Root!;
        Assert.Equal("TaxInvoiceBulk", root.Name.LocalName);
        Assert.Equal("TaxInvoice.xsd", root.Attribute(XName.Get("noNamespaceSchemaLocation", "http://www.w3.org/2001/XMLSchema-instance"))!.Value);
        Assert.Equal(["TIN", "ListOfTaxInvoice"], root.Elements().Select(e => e.Name.LocalName));
        Assert.Equal(TaxWorld.SellerNpwp, root.Element("TIN")!.Value);
        var invoices = root.Element("ListOfTaxInvoice")!.Elements().ToList();
        Assert.All(invoices, e => Assert.Equal("TaxInvoice", e.Name.LocalName));
        // February in Jakarta: the NPWP buyer (paid 1 Feb 00:30 WIB) and the NIK buyer; not retail, not January, not March.
        Assert.Equal([await NumberAsync(ids["u_npwp"]), await NumberAsync(ids["u_nik"])], invoices.Select(i => i.Element("RefDesc")!.Value));

        string[] expected =
        [
            "TaxInvoiceDate", "TaxInvoiceOpt", "TrxCode", "AddInfo", "CustomDoc", "CustomDocMonthYear", "RefDesc", "FacilityStamp",
            "SellerIDTKU", "BuyerTin", "BuyerDocument", "BuyerCountry", "BuyerDocumentNumber", "BuyerName", "BuyerAdress",
            "BuyerEmail", "BuyerIDTKU", "ListOfGoodService",
        ];
        string[] goods = ["Opt", "Code", "Name", "Unit", "Price", "Qty", "TotalDiscount", "TaxBase", "OtherTaxBase", "VATRate", "VAT", "STLGRate", "STLG"];
        foreach (var inv in invoices)
        {
            Assert.Equal(expected, inv.Elements().Select(e => e.Name.LocalName));
            var list = inv.Element("ListOfGoodService")!.Elements().ToList();
            Assert.Equal(["GoodService"], list.Select(e => e.Name.LocalName));
            Assert.Equal(goods, list[0].Elements().Select(e => e.Name.LocalName));
            // OtherTaxBase, VAT, TaxBase equal the invoice's tax line.
            var line = await _t.W.H.Db.ScalarAsync<string>("""
                SELECT concat_ws('|', line_items -> 'tax' ->> 'taxable_base', line_items -> 'tax' ->> 'other_taxable_base', line_items -> 'tax' ->> 'amount')
                  FROM invoices WHERE invoice_number = $1
                """, inv.Element("RefDesc")!.Value);
            var g = list[0];
            Assert.Equal(line, string.Join('|', g.Element("TaxBase")!.Value, g.Element("OtherTaxBase")!.Value, g.Element("VAT")!.Value));
            Assert.Equal("04", inv.Element("TrxCode")!.Value);
            Assert.Equal("12", g.Element("VATRate")!.Value);
            Assert.Equal("UM.0024", g.Element("Unit")!.Value);
            Assert.Equal("B", g.Element("Opt")!.Value);
            Assert.Equal(TaxWorld.SellerNpwp + "000000", inv.Element("SellerIDTKU")!.Value);
        }
        var npwp = invoices[0];
        Assert.Equal("2027-02-01", npwp.Element("TaxInvoiceDate")!.Value);
        Assert.Equal(Awkward, npwp.Element("BuyerName")!.Value);
        Assert.Equal("Jl. <Sudirman> & \"1\"", npwp.Element("BuyerAdress")!.Value);
        Assert.Equal("0012345678901111", npwp.Element("BuyerTin")!.Value);
        Assert.Equal("TIN", npwp.Element("BuyerDocument")!.Value);
        Assert.Equal("-", npwp.Element("BuyerDocumentNumber")!.Value);
        Assert.Equal("0012345678901111000000", npwp.Element("BuyerIDTKU")!.Value);
        var nik = invoices[1];
        Assert.Equal("2027-02-28", nik.Element("TaxInvoiceDate")!.Value);
        Assert.Equal(CoretaxXml.NoTin, nik.Element("BuyerTin")!.Value);
        Assert.Equal("National ID", nik.Element("BuyerDocument")!.Value);
        Assert.Equal("3171010101010001", nik.Element("BuyerDocumentNumber")!.Value);
        Assert.Equal("3171010101010001000000", nik.Element("BuyerIDTKU")!.Value);

        // Pro at Rp149.000 exclusive: DPP nilai lain 136.583, PPN 16.390, amount 165.390.
        Assert.Equal("149000|136583|16390|165390", await _t.W.H.Db.ScalarAsync<string>("""
            SELECT concat_ws('|', line_items -> 'tax' ->> 'taxable_base', line_items -> 'tax' ->> 'other_taxable_base',
                              line_items -> 'tax' ->> 'amount', amount) FROM invoices WHERE id = $1
            """, ids["u_nik"]));
    }

    private Task<string> NumberAsync(Guid id) => _t.W.H.Db.ScalarAsync<string>("SELECT invoice_number FROM invoices WHERE id = $1", id);

    [Fact]
    public async Task The_tax_page_shows_the_three_groups_with_their_sums_and_the_invoices_without_an_NSFP()
    {
        var ids = await SeedMonthAsync();
        using var admin = await _t.AdminAsync();

        var (status, html) = await admin.GetAsync("/admin/tax?month=2027-02");

        Assert.Equal(HttpStatusCode.OK, status);
        var page = new AngleSharp.Html.Parser.HtmlParser().ParseDocument(html);
        string Row(string group) => string.Join('|', page.QuerySelector($"tr[data-group={group}]")!.QuerySelectorAll("td").Select(td => td.TextContent.Trim()));
        Assert.Equal("1|IDR 149,000|IDR 136,583|IDR 16,390", Row("Npwp"));
        Assert.Equal("1|IDR 149,000|IDR 136,583|IDR 16,390", Row("IdentityDocument"));
        Assert.Equal("1|IDR 149,000|IDR 136,583|IDR 16,390", Row("Retail"));
        Assert.Equal(2, page.QuerySelectorAll("tr[data-missing-invoice]").Length);
        Assert.NotNull(page.QuerySelector("[data-credit-notes]"));
        Assert.Contains(await NumberAsync(ids["u_npwp"]), html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_invoice_settled_by_a_waived_payment_is_in_no_total_and_gets_no_faktur()
    {
        var ids = await SeedMonthAsync();
        // charge_waived (contract §11.3): the NIK buyer's invoice settled by a waived payment, nothing collected.
        await _t.W.H.Db.ExecAsync(
            "UPDATE payments SET provider = 'waived', amount = 0 WHERE invoice_id = $1 AND status = 'paid'", ids["u_nik"]);
        using var admin = await _t.AdminAsync();

        var (_, html) = await admin.GetAsync("/admin/tax?month=2027-02");
        var page = new AngleSharp.Html.Parser.HtmlParser().ParseDocument(html);
        Assert.Equal(1, page.QuerySelectorAll("tr[data-missing-invoice]").Length);
        Assert.DoesNotContain(await NumberAsync(ids["u_nik"]), html, StringComparison.Ordinal);
        using var res = await admin.Http.GetAsync(new Uri("/admin/tax/coretax.xml?month=2027-02", UriKind.Relative));
        var doc = XDocument.Parse(await res.Content.ReadAsStringAsync());
        Assert.Equal([await NumberAsync(ids["u_npwp"])],
            doc.Root!.Element("ListOfTaxInvoice")!.Elements().Select(i => i.Element("RefDesc")!.Value));
    }

    [Theory]
    [InlineData("2026-13")]
    [InlineData("2026-1")]
    [InlineData("26-01")]
    [InlineData("2026-00")]
    [InlineData("")]
    [InlineData("<script>")]
    public async Task A_month_that_is_not_YYYY_MM_is_a_400_page_never_a_500(string month)
    {
        using var admin = await _t.AdminAsync();
        var (page, _) = await admin.GetAsync($"/admin/tax?month={Uri.EscapeDataString(month)}");
        var (xml, _) = await admin.GetAsync($"/admin/tax/coretax.xml?month={Uri.EscapeDataString(month)}");
        Assert.Equal(HttpStatusCode.BadRequest, page);
        Assert.Equal(HttpStatusCode.BadRequest, xml);
    }

    [Fact]
    public async Task A_month_with_no_faktur_is_a_valid_empty_list()
    {
        using var admin = await _t.AdminAsync();
        using var res = await admin.Http.GetAsync(new Uri("/admin/tax/coretax.xml?month=2030-01", UriKind.Relative));
        var doc = XDocument.Parse(await res.Content.ReadAsStringAsync());
        Assert.Empty(doc.Root!.Element("ListOfTaxInvoice")!.Elements());
        Assert.Equal(TaxWorld.SellerNpwp, doc.Root.Element("TIN")!.Value);
    }
}
