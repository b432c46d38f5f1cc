using BillingCycle.Api.Billing;
using BillingCycle.Api.InvoicePdf;
using BillingCycle.Api.Invoices;
using UglyToad.PdfPig;

namespace BillingCycle.UnitTests.InvoicePdf;

/// <summary>The PDF as a text reader sees it (contract §7.7: text extractable), read back with PdfPig.</summary>
public sealed class InvoicePdfRendererTests
{
    private static readonly SellerDetails Seller = new("PT Contoh Jaya", "Jl. Jend. Sudirman Kav. 52-53\nJakarta Selatan 12190", "01.234.567.8-901.000");
    private static readonly BillingOptions Options = new() { PublicBaseUrl = new Uri("https://billing.example.com") };

    /// <summary>Keeps a rendered PDF for a person to open (git-ignored .local/test-results/pdf/).</summary>
    internal static byte[] Keep(string name, byte[] pdf)
    {
        var dir = Path.Combine(BillingCycle.TestSupport.DedicatedPostgres.RepoRoot(), ".local", "test-results", "pdf");
        Directory.CreateDirectory(dir);
        File.WriteAllBytes(Path.Combine(dir, name), pdf);
        return pdf;
    }

    /// <summary>The page's words joined by single spaces, and the page itself for positions.</summary>
    internal static string Words(byte[] pdf)
    {
        using var document = PdfDocument.Open(pdf);
        Assert.Equal(1, document.NumberOfPages);
        return string.Join(" ", document.GetPage(1).GetWords().Select(w => w.Text));
    }

    [Fact]
    public void A_paid_invoice_names_seller_buyer_number_dates_period_items_tax_total_and_Lunas()
    {
        var invoice = InvoiceSamples.Checkout(amount: 165_390, tax: InvoiceSamples.ExclusiveTax, status: "paid",
            paidAt: InvoiceSamples.Issued.AddMinutes(5));

        var pdf = Keep("invoice-paid-id.pdf", new InvoicePdfRenderer(Seller, Options).Render(invoice, PayPageText.Indonesian));
        var text = Words(pdf);

        Assert.StartsWith("%PDF-", System.Text.Encoding.ASCII.GetString(pdf, 0, 5), StringComparison.Ordinal);
        Assert.Contains("PT Contoh Jaya", text, StringComparison.Ordinal);
        Assert.Contains("Jakarta Selatan 12190", text, StringComparison.Ordinal);
        Assert.Contains("NPWP 01.234.567.8-901.000", text, StringComparison.Ordinal);
        Assert.Contains("Ayu Lestari", text, StringComparison.Ordinal);
        Assert.Contains("ayu@example.com", text, StringComparison.Ordinal);
        Assert.Contains("INV-202611-000042", text, StringComparison.Ordinal);
        Assert.Contains("Tanggal terbit 1 November 2026", text, StringComparison.Ordinal);
        Assert.Contains("1 November 2026 – 1 Desember 2026", text, StringComparison.Ordinal);
        Assert.Contains("Pro (bulanan) Rp149.000", text, StringComparison.Ordinal);
        Assert.Contains("PPN 11% Rp16.390", text, StringComparison.Ordinal);
        Assert.Contains("Total Rp165.390", text, StringComparison.Ordinal);
        Assert.Contains("Lunas · Dibayar pada 1 November 2026", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Bayar di", text, StringComparison.Ordinal);
    }

    [Fact]
    public void In_English_amounts_read_IDR_and_an_open_invoice_names_its_pay_page()
    {
        var invoice = InvoiceSamples.Checkout(tax: InvoiceSamples.InclusiveTax);

        var text = Words(Keep("invoice-open-en.pdf", new InvoicePdfRenderer(Seller, Options).Render(invoice, PayPageText.English)));

        Assert.Contains("INVOICE", text, StringComparison.Ordinal);
        Assert.Contains("Not paid yet", text, StringComparison.Ordinal);
        Assert.Contains("PPN 11% (included) IDR 14,766", text, StringComparison.Ordinal);
        Assert.Contains("Taxable base IDR 134,234", text, StringComparison.Ordinal);
        Assert.Contains("Total IDR 149,000", text, StringComparison.Ordinal);
        Assert.Contains("Pay at https://billing.example.com/pay/" + invoice.PublicToken, text, StringComparison.Ordinal);
    }

    [Fact]
    public void Long_names_and_addresses_wrap_inside_the_margins()
    {
        var seller = new SellerDetails(
            "PT Perusahaan Dengan Nama Yang Sangat Panjang Sekali Untuk Menguji Pembungkusan Teks Indonesia Tbk",
            "Gedung Menara Yang Tinggi Lantai 45, Jalan Jenderal Sudirman Kaveling 52-53, Senayan, Kebayoran Baru, Jakarta Selatan, DKI Jakarta 12190",
            null);
        var invoice = InvoiceSamples.Checkout(buyerName: "Nama Pembeli Yang Juga Cukup Panjang Untuk Dibungkus Dua Baris Atau Lebih Lagi",
            buyerEmail: "seorang.pembeli.dengan.alamat.email.yang.panjang@contoh-perusahaan-panjang.co.id");

        using var document = PdfDocument.Open(Keep("invoice-long-id.pdf", new InvoicePdfRenderer(seller, Options).Render(invoice, PayPageText.Indonesian)));
        var page = document.GetPage(1);

        Assert.All(page.Letters, l =>
        {
            Assert.InRange(l.BoundingBox.Left, 49, page.Width - 49);
            Assert.InRange(l.BoundingBox.Right, 49, page.Width - 49);
        });
        Assert.Contains("Dibungkus", string.Join(" ", page.GetWords().Select(w => w.Text)), StringComparison.Ordinal);
    }

    [Fact]
    public void The_file_name_is_the_invoice_number_with_nothing_a_header_could_carry()
    {
        Assert.Equal("INV-202611-000042.pdf", new PdfFile([], "INV-202611-000042").FileName);
        Assert.Equal("INV-1x.pdf", new PdfFile([], "INV-1\"\r\n;x=.").FileName);
    }
}
