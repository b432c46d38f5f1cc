using System.Net;
using UglyToad.PdfPig;

namespace BillingCycle.IntegrationTests.Coupons;

/// <summary>contract §11.3, §7.6, §7.7: the pay page and the PDF show the coupon's discount row between the price and the total.</summary>
public sealed class CouponDocumentTests : IAsyncLifetime
{
    private CouponWorld _c = null!;

    public async Task InitializeAsync() => _c = await CouponWorld.StartAsync();

    public async Task DisposeAsync() => await _c.DisposeAsync();

    [Fact]
    public async Task The_pay_page_and_the_PDF_show_the_discount_row()
    {
        await _c.CouponAsync(new { code = "PAGE20", name = "Page", percent_off = 20, duration = "once" });
        await _c.CheckoutAsync("u_doc", _c.W.Pro, "PAGE20");
        var token = await _c.W.H.Db.ScalarAsync<string>("SELECT public_token FROM invoices WHERE user_id = 'u_doc'");
        var http = _c.W.H.Api.CreateClient();

        var id = await http.GetStringAsync($"/pay/{token}");
        var en = await http.GetStringAsync($"/pay/{token}?lang=en");
        var pdf = await http.GetAsync($"/pay/{token}/invoice.pdf");

        Assert.Contains("Diskon PAGE20 (20%)", id, StringComparison.Ordinal);
        Assert.Contains("-Rp29.800", id, StringComparison.Ordinal);
        Assert.Contains("Rp119.200", id, StringComparison.Ordinal);
        Assert.Contains("Discount PAGE20 (20%)", en, StringComparison.Ordinal);
        Assert.Contains("-IDR 29,800", en, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, pdf.StatusCode);
        using var document = PdfDocument.Open(await pdf.Content.ReadAsByteArrayAsync());
        var words = string.Join(" ", document.GetPages().SelectMany(p => p.GetWords()).Select(w => w.Text));
        Assert.Contains("Diskon PAGE20 (20%)", words, StringComparison.Ordinal);
        Assert.Contains("-Rp29.800", words, StringComparison.Ordinal);
    }
}
