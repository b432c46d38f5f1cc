using System.Globalization;
using System.Text;
using System.Xml;

namespace BillingCycle.Api.Tax;

/// <summary>
/// A month's output faktur as Coretax imports them (contract §12.4): DJP's TaxInvoiceBulk document
/// of "e-Faktur → Pajak Keluaran → Impor Data". Element names and their order are the template's,
/// its spelling "BuyerAdress" included (sources in docs/tax.md). Written with XmlWriter, so every
/// name, address and email is escaped by the library; UTF-8; a month with no faktur is an empty list.
/// </summary>
public static class CoretaxXml
{
    /// <summary>Each TaxInvoice's children, in the template's order (tests hold the document to it).</summary>
    public static readonly string[] TaxInvoiceElements =
    [
        "TaxInvoiceDate", "TaxInvoiceOpt", "TrxCode", "AddInfo", "CustomDoc", "CustomDocMonthYear", "RefDesc", "FacilityStamp",
        "SellerIDTKU", "BuyerTin", "BuyerDocument", "BuyerCountry", "BuyerDocumentNumber", "BuyerName", "BuyerAdress",
        "BuyerEmail", "BuyerIDTKU", "ListOfGoodService",
    ];

    /// <summary>Each GoodService's children, in the template's order.</summary>
    public static readonly string[] GoodServiceElements =
        ["Opt", "Code", "Name", "Unit", "Price", "Qty", "TotalDiscount", "TaxBase", "OtherTaxBase", "VATRate", "VAT", "STLGRate", "STLG"];

    /// <summary>BuyerTin of a buyer identified by a NIK or passport: sixteen zeros, as DJP asks.</summary>
    public const string NoTin = "0000000000000000";

    private const string XsiNamespace = "http://www.w3.org/2001/XMLSchema-instance";

    public static async Task WriteAsync(Stream output, SellerTaxIdentity seller, IAsyncEnumerable<FakturInvoice> invoices, CancellationToken ct)
    {
        var settings = new XmlWriterSettings
        {
            Async = true, Encoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), Indent = true,
            // A character XML cannot carry (a control character in a pasted address) is refused, not written.
            CheckCharacters = true,
        };
        await using var w = XmlWriter.Create(output, settings);
        await w.WriteStartDocumentAsync();
        await w.WriteStartElementAsync(null, "TaxInvoiceBulk", null);
        await w.WriteAttributeStringAsync("xmlns", "xsi", null, XsiNamespace);
        await w.WriteAttributeStringAsync("xsi", "noNamespaceSchemaLocation", XsiNamespace, "TaxInvoice.xsd");
        await w.WriteElementStringAsync(null, "TIN", null, seller.Npwp ?? "");
        await w.WriteStartElementAsync(null, "ListOfTaxInvoice", null);
        await foreach (var f in invoices.WithCancellation(ct))
        {
            await WriteInvoiceAsync(w, seller, f);
        }
        await w.WriteEndElementAsync();
        await w.WriteEndElementAsync();
        await w.WriteEndDocumentAsync();
        await w.FlushAsync();
    }

    private static async Task WriteInvoiceAsync(XmlWriter w, SellerTaxIdentity seller, FakturInvoice f)
    {
        var (tin, document, number, idtku) = Buyer(f);
        await w.WriteStartElementAsync(null, "TaxInvoice", null);
        await El(w, "TaxInvoiceDate", f.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        await El(w, "TaxInvoiceOpt", "Normal");
        // 04: DPP nilai lain (PMK 131/2024); 01: PPN on the price itself.
        await El(w, "TrxCode", f.HasOtherBase ? "04" : "01");
        await El(w, "AddInfo", "");
        await El(w, "CustomDoc", "");
        await El(w, "CustomDocMonthYear", "");
        await El(w, "RefDesc", f.Number);
        await El(w, "FacilityStamp", "");
        await El(w, "SellerIDTKU", seller.Nitku ?? "");
        await El(w, "BuyerTin", tin);
        await El(w, "BuyerDocument", document);
        await El(w, "BuyerCountry", "IDN");
        await El(w, "BuyerDocumentNumber", number);
        await El(w, "BuyerName", f.BuyerName ?? "");
        await El(w, "BuyerAdress", f.BuyerAddress ?? "");
        await El(w, "BuyerEmail", f.BuyerEmail ?? "");
        await El(w, "BuyerIDTKU", idtku);
        await w.WriteStartElementAsync(null, "ListOfGoodService", null);
        await w.WriteStartElementAsync(null, "GoodService", null);
        await El(w, "Opt", "B"); // B: a service (jasa)
        await El(w, "Code", seller.ServiceCode);
        await El(w, "Name", f.Description);
        await El(w, "Unit", seller.UnitCode);
        await El(w, "Price", Rupiah(f.TaxableBase));
        await El(w, "Qty", "1");
        await El(w, "TotalDiscount", Rupiah(f.Discount));
        await El(w, "TaxBase", Rupiah(f.TaxableBase));
        await El(w, "OtherTaxBase", Rupiah(f.OtherTaxableBase ?? f.TaxableBase));
        await El(w, "VATRate", f.Rate.ToString("0.##", CultureInfo.InvariantCulture));
        await El(w, "VAT", Rupiah(f.Tax));
        await El(w, "STLGRate", "0");
        await El(w, "STLG", "0");
        await w.WriteEndElementAsync();
        await w.WriteEndElementAsync();
        await w.WriteEndElementAsync();
    }

    /// <summary>BuyerTin, BuyerDocument, BuyerDocumentNumber and BuyerIDTKU for each kind of identity.</summary>
    private static (string Tin, string Document, string Number, string IdTku) Buyer(FakturInvoice f) => f.TaxIdType switch
    {
        "npwp" => (f.TaxId!, "TIN", "-", f.Nitku ?? f.TaxId + TaxIds.HeadOfficeSuffix),
        "nik" => (NoTin, "National ID", f.TaxId!, f.TaxId + TaxIds.HeadOfficeSuffix),
        _ => (NoTin, "Passport", f.TaxId ?? "", NoTin + TaxIds.HeadOfficeSuffix),
    };

    private static string Rupiah(long amount) => amount.ToString(CultureInfo.InvariantCulture);

    private static Task El(XmlWriter w, string name, string value) => w.WriteElementStringAsync(null, name, null, XmlText(value));

    /// <summary>The text without characters XML 1.0 cannot carry (escaping is the writer's; these have no escape).</summary>
    public static string XmlText(string value)
    {
        var sb = new StringBuilder(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            var ch = value[i];
            if (XmlConvert.IsXmlChar(ch))
            {
                sb.Append(ch);
            }
            else if (i + 1 < value.Length && XmlConvert.IsXmlSurrogatePair(value[i + 1], ch))
            {
                sb.Append(ch).Append(value[++i]);
            }
        }
        return sb.ToString();
    }
}
