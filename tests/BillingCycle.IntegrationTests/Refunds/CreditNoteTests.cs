using System.Net;
using BillingCycle.Api.Refunds;
using BillingCycle.IntegrationTests.Subscriptions;
using Microsoft.Extensions.DependencyInjection;
using UglyToad.PdfPig;

namespace BillingCycle.IntegrationTests.Refunds;

/// <summary>Contract §13.2: the credit note's PDF, its place on the pay page, its month for the tax page.</summary>
public sealed class CreditNoteTests : IAsyncLifetime
{
    private MoneyWorld _m = null!;

    public async Task InitializeAsync() => _m = await MoneyWorld.StartAsync(new()
    {
        ["BILLING_SELLER_NAME"] = "PT Contoh Jaya",
        ["BILLING_TAX_PERCENT"] = "11",
    });

    public async Task DisposeAsync() => await _m.DisposeAsync();

    private static string Words(byte[] pdf)
    {
        using var document = PdfDocument.Open(pdf);
        return string.Join(" ", document.GetPages().SelectMany(p => p.GetWords()).Select(w => w.Text));
    }

    [Fact]
    public async Task The_credit_note_PDF_reads_back_number_amount_tax_and_reason_and_the_pay_page_lists_it()
    {
        var invoice = await _m.InvoiceAsync("u_cn");
        var token = await _m.W.H.Db.ScalarAsync<string>("SELECT public_token FROM invoices WHERE id = $1", invoice);
        var res = await _m.RefundAsync(invoice, new { amount = 50_000, reason = "<script>alert(1)</script> layanan terputus" });
        var note = (await LifecycleWorld.JsonAsync(res)).GetProperty("credit_note");
        var number = note.GetProperty("credit_note_number").GetString()!;
        Assert.Equal($"https://billing.test/pay/{token}/credit-notes/{number}.pdf", note.GetProperty("pdf_url").GetString());

        var pdf = await _m.W.H.Api.CreateClient().GetAsync($"/pay/{token}/credit-notes/{number}.pdf");

        Assert.Equal(HttpStatusCode.OK, pdf.StatusCode);
        Assert.Equal("application/pdf", pdf.Content.Headers.ContentType!.MediaType);
        var words = Words(await pdf.Content.ReadAsByteArrayAsync());
        Assert.Contains("NOTA KREDIT", words, StringComparison.Ordinal);
        Assert.Contains(number, words, StringComparison.Ordinal);
        Assert.Contains("Rp50.000", words, StringComparison.Ordinal);
        Assert.Contains("Rp4.955", words, StringComparison.Ordinal); // 14,766 × 50,000 ÷ 149,000, half up
        Assert.Contains("<script>alert(1)</script> layanan terputus", words, StringComparison.Ordinal);
        var english = Words(await _m.W.H.Api.CreateClient().GetByteArrayAsync($"/pay/{token}/credit-notes/{number}.pdf?lang=en"));
        Assert.Contains("CREDIT NOTE", english, StringComparison.Ordinal);
        Assert.Contains("IDR 50,000", english, StringComparison.Ordinal);

        // Another invoice's token, or a number that does not exist: the pay page's 404.
        Assert.Equal(HttpStatusCode.NotFound, (await _m.W.H.Api.CreateClient().GetAsync($"/pay/{token}/credit-notes/CN-202611-999999.pdf")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _m.W.H.Api.CreateClient().GetAsync($"/pay/nope/credit-notes/{number}.pdf")).StatusCode);

        var page = await _m.W.H.Api.CreateClient().GetStringAsync($"/pay/{token}");
        Assert.Contains($"/pay/{token}/credit-notes/{number}.pdf", page, StringComparison.Ordinal);
        Assert.Contains("-Rp50.000", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_month_of_a_credit_note_is_its_month_in_Asia_Jakarta()
    {
        var invoice = await _m.InvoiceAsync("u_month");
        // 30 November 18:00 UTC is 1 December 01:00 in Jakarta.
        _m.W.H.Api.Clock.SetUtcNow(new DateTimeOffset(2026, 11, 30, 18, 0, 0, TimeSpan.Zero));
        await _m.RefundAsync(invoice, new { amount = 1_000, reason = "late" });
        _m.W.H.Api.Clock.SetUtcNow(new DateTimeOffset(2026, 11, 30, 16, 59, 0, TimeSpan.Zero).AddDays(1));
        var store = _m.W.H.Api.Services.GetRequiredService<RefundStore>();

        var november = await store.InJakartaMonthAsync(2026, 11, CancellationToken.None);
        var december = await store.InJakartaMonthAsync(2026, 12, CancellationToken.None);

        Assert.Empty(november);
        Assert.Single(december);
        Assert.Equal(1_000, december[0].Amount);
    }
}
