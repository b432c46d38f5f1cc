using System.Net;
using System.Text;
using AngleSharp.Html.Parser;
using BillingCycle.TestSupport;

namespace BillingCycle.IntegrationTests.Tax;

/// <summary>POST /admin/tax/serials (contract §12.5): the pasted Coretax list, a per-line report, nothing overwritten, nothing half-applied.</summary>
public sealed class SerialImportTests : IAsyncLifetime
{
    private TaxWorld _t = null!;

    public async Task InitializeAsync() => _t = await TaxWorld.StartAsync();

    public async Task DisposeAsync() => await _t.DisposeAsync();

    private async Task<(HttpStatusCode Status, Dictionary<int, string> Outcomes, string Html)> PasteAsync(string paste)
    {
        using var admin = await _t.AdminAsync();
        var token = await admin.FormTokenAsync("/admin/tax");
        using var res = await admin.PostAsync("/admin/tax/serials", token, ("serials", paste));
        var html = await res.Content.ReadAsStringAsync();
        var doc = new HtmlParser().ParseDocument(html);
        var outcomes = doc.QuerySelectorAll("tr[data-line]").ToDictionary(
            tr => int.Parse(tr.GetAttribute("data-line")!, System.Globalization.CultureInfo.InvariantCulture), tr => tr.GetAttribute("data-outcome")!);
        return (res.StatusCode, outcomes, html);
    }

    private async Task<string> PaidNumberAsync(string user)
    {
        await Seed.UserAsync(_t.W.H.Db, user);
        var id = await _t.PaidInvoiceAsync(user);
        return await _t.W.H.Db.ScalarAsync<string>("SELECT invoice_number FROM invoices WHERE id = $1", id);
    }

    private Task<string?> NsfpAsync(string number) =>
        _t.W.H.Db.ScalarAsync<string?>("SELECT tax_invoice_number FROM invoices WHERE invoice_number = $1", number);

    [Fact]
    public async Task Each_line_is_reported_good_ones_are_stored_and_an_NSFP_is_never_overwritten()
    {
        var a = await PaidNumberAsync("u_a");
        var b = await PaidNumberAsync("u_b");
        var c = await PaidNumberAsync("u_c");
        await Seed.UserAsync(_t.W.H.Db, "u_open");
        (await _t.W.CheckoutAsync("u_open", _t.W.Pro)).Response.EnsureSuccessStatusCode();
        var open = await _t.W.H.Db.ScalarAsync<string>("SELECT invoice_number FROM invoices WHERE user_id = 'u_open'");

        var (status, outcomes, _) = await PasteAsync(string.Join('\n',
            $"{a},04002700000000001",            // 1 stored
            $"{b}\t04.00.27.00000000002",         // 2 stored (tab, dotted)
            "INV-209901-999999,04002700000000003", // 3 unknown
            "not a line",                          // 4 malformed
            $"{c},0400270000000000",              // 5 malformed: 16 digits
            $"{open},04002700000000004",          // 6 not paid
            ""));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("Stored", outcomes[1]);
        Assert.Equal("Stored", outcomes[2]);
        Assert.Equal("UnknownInvoice", outcomes[3]);
        Assert.Equal("Malformed", outcomes[4]);
        Assert.Equal("Malformed", outcomes[5]);
        Assert.Equal("NotPaid", outcomes[6]);
        Assert.Equal("04002700000000001", await NsfpAsync(a));
        Assert.Equal("04002700000000002", await NsfpAsync(b));
        Assert.Null(await NsfpAsync(c));

        // Pasted again with a different NSFP for a: never overwritten; the same list again: unchanged.
        var (_, again, _) = await PasteAsync($"{a},04002700000000009\n{b},04002700000000002");
        Assert.Equal("HasAnotherNsfp", again[1]);
        Assert.Equal("AlreadyStored", again[2]);
        // An NSFP another invoice already holds.
        var (_, taken, _) = await PasteAsync($"{c},04002700000000002");
        Assert.Equal("NsfpTaken", taken[1]);
        Assert.Equal("04002700000000001", await NsfpAsync(a));

        // Two NSFP for one invoice in one paste, or one NSFP for two invoices: neither stored.
        var (_, twice, _) = await PasteAsync($"{c},04002700000000005\n{c},04002700000000006");
        Assert.Equal(["Conflicting", "Conflicting"], twice.Values);
        var (_, shared, _) = await PasteAsync($"{c},04002700000000007\n{open},04002700000000007");
        Assert.Equal(["NsfpTaken", "NsfpTaken"], shared.Values);
        Assert.Null(await NsfpAsync(c));
        Assert.Equal(2, await _t.W.H.Db.ScalarAsync<long>("SELECT count(*) FROM invoices WHERE tax_invoice_number IS NOT NULL"));
    }

    [Fact]
    public async Task Ten_thousand_lines_get_a_report_and_more_lines_or_a_5_MB_paste_are_refused_with_nothing_stored()
    {
        var a = await PaidNumberAsync("u_big");
        var lines = Enumerable.Range(1, 9_999).Select(i => $"INV-209901-{i:D6},0400279{i:D10}").Prepend($"{a},04002700000000042");
        var (status, outcomes, _) = await PasteAsync(string.Join('\n', lines));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(10_000, outcomes.Count);
        Assert.Equal("Stored", outcomes[1]);
        Assert.Equal(9_999, outcomes.Values.Count(o => o == "UnknownInvoice"));

        var (tooMany, _, _) = await PasteAsync(string.Join('\n', Enumerable.Range(1, 10_001).Select(i => $"INV-X-{i},04002700000000001")));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooMany);

        var huge = new StringBuilder().Insert(0, $"{a},04002700000000042\n", 5 * 1024 * 1024 / 40).ToString();
        var (tooBig, _, _) = await PasteAsync(huge);
        Assert.True(tooBig is HttpStatusCode.RequestEntityTooLarge or HttpStatusCode.BadRequest, $"a 5 MB paste answered {tooBig}");
        Assert.Equal(1, await _t.W.H.Db.ScalarAsync<long>("SELECT count(*) FROM invoices WHERE tax_invoice_number IS NOT NULL"));
    }
}
