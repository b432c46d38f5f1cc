using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AngleSharp.Html.Parser;
using BillingCycle.IntegrationTests.Subscriptions;
using UglyToad.PdfPig;

namespace BillingCycle.IntegrationTests.PayPage;

/// <summary>contract §7.7: the PDF invoice on the pay page's path and the API's, read back with a PDF text reader.</summary>
public sealed class InvoicePdfTests : IAsyncLifetime
{
    private LifecycleWorld _w = null!;

    public async Task InitializeAsync() => _w = await LifecycleWorld.StartAsync(new()
    {
        ["BILLING_SELLER_NAME"] = "PT Contoh Jaya",
        ["BILLING_SELLER_ADDRESS"] = "Jl. Jend. Sudirman Kav. 52\\nJakarta 12190",
        ["BILLING_SELLER_NPWP"] = "01.234.567.8-901.000",
        ["BILLING_TAX_PERCENT"] = "11",
        ["BILLING_PRICES_INCLUDE_TAX"] = "false",
    });

    public async Task DisposeAsync() => await _w.DisposeAsync();

    private static string Words(byte[] pdf)
    {
        using var document = PdfDocument.Open(pdf);
        return string.Join(" ", document.GetPages().SelectMany(p => p.GetWords()).Select(w => w.Text));
    }

    private async Task<(Guid Id, string Number, string Token)> PaidInvoiceAsync(string user)
    {
        await _w.H.Db.ExecAsync("INSERT INTO users (id, email, full_name) VALUES ($1, $2, 'Ayu Lestari')", user, $"{user}@example.com");
        await _w.CheckoutAsync(user, _w.Pro);
        (await _w.PayLatestAsync(user)).EnsureSuccessStatusCode();
        var id = await _w.H.Db.ScalarAsync<Guid>("SELECT id FROM invoices WHERE user_id = $1 AND status = 'paid'", user);
        return (id, await _w.H.Db.ScalarAsync<string>("SELECT invoice_number FROM invoices WHERE id = $1", id),
            await _w.H.Db.ScalarAsync<string>("SELECT public_token FROM invoices WHERE id = $1", id));
    }

    [Fact]
    public async Task The_pay_page_s_PDF_has_seller_buyer_number_dates_period_tax_line_total_and_Lunas()
    {
        var (_, number, token) = await PaidInvoiceAsync("u_pdf");

        var res = await _w.H.Api.CreateClient().GetAsync($"/pay/{token}/invoice.pdf");
        var pdf = await res.Content.ReadAsByteArrayAsync();
        var text = Words(pdf);

        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        Assert.Equal("application/pdf", res.Content.Headers.ContentType!.MediaType);
        Assert.Equal($"inline; filename=\"{number}.pdf\"", res.Content.Headers.ContentDisposition!.ToString());
        Assert.True(res.Headers.CacheControl!.NoStore);
        Assert.Contains("PT Contoh Jaya", text, StringComparison.Ordinal);
        Assert.Contains("Jakarta 12190", text, StringComparison.Ordinal);
        Assert.Contains("NPWP 01.234.567.8-901.000", text, StringComparison.Ordinal);
        Assert.Contains("Ayu Lestari", text, StringComparison.Ordinal);
        Assert.Contains("u_pdf@example.com", text, StringComparison.Ordinal);
        Assert.Contains(number, text, StringComparison.Ordinal);
        Assert.Contains("Tanggal terbit 1 November 2026", text, StringComparison.Ordinal);
        Assert.Contains("1 November 2026 – 1 Desember 2026", text, StringComparison.Ordinal);
        Assert.Contains("Pro (bulanan) Rp149.000", text, StringComparison.Ordinal);
        Assert.Contains("PPN 11% Rp16.390", text, StringComparison.Ordinal);     // exclusive: 11% of 149,000 added
        Assert.Contains("Total Rp165.390", text, StringComparison.Ordinal);
        Assert.Contains("Lunas · Dibayar pada 1 November 2026", text, StringComparison.Ordinal);
        Assert.Equal(165_390, await _w.H.Db.ScalarAsync<long>("SELECT amount FROM invoices WHERE public_token = $1", token));
    }

    [Fact]
    public async Task The_API_serves_the_caller_s_own_invoice_in_English_and_another_user_s_is_404()
    {
        var (id, number, _) = await PaidInvoiceAsync("u_pdf_api");
        await _w.CheckoutAsync("u_other", _w.Starter);

        var own = await _w.As("u_pdf_api").GetAsync($"/api/invoices/{id}/pdf?lang=en");
        var text = Words(await own.Content.ReadAsByteArrayAsync());
        var theirs = await _w.As("u_other").GetAsync($"/api/invoices/{id}/pdf");
        var error = await theirs.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        Assert.Contains(number, text, StringComparison.Ordinal);
        Assert.Contains("PPN 11% IDR 16,390", text, StringComparison.Ordinal);
        Assert.Contains("Total IDR 165,390", text, StringComparison.Ordinal);
        Assert.Contains("Paid · Paid on 1 November 2026", text, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, theirs.StatusCode);
        Assert.Equal("INVOICE_NOT_FOUND", error.GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await _w.As("u_pdf_api").GetAsync("/api/invoices/not-a-uuid/pdf")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _w.H.Api.CreateClient().GetAsync($"/api/invoices/{id}/pdf")).StatusCode);
    }

    /// <summary>
    /// Idempotency-Key is for POSTs (contract §7). A client that sends it on every request (some HTTP
    /// libraries do) must still get its PDF each time: a GET is not claimed, so its file answer —
    /// which has no JSON to store — can never leave the key "in progress".
    /// </summary>
    [Fact]
    public async Task A_GET_sent_with_an_Idempotency_Key_is_answered_each_time_and_claims_no_key()
    {
        var (id, _, _) = await PaidInvoiceAsync("u_pdf_key");
        var client = _w.As("u_pdf_key");
        client.DefaultRequestHeaders.Add("Idempotency-Key", "same-key-every-time");

        var first = await client.GetAsync($"/api/invoices/{id}/pdf");
        var second = await client.GetAsync($"/api/invoices/{id}/pdf");
        var list = await client.GetAsync("/api/invoices");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal("application/pdf", second.Content.Headers.ContentType!.MediaType);
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.Equal(0L, await _w.H.Db.ScalarAsync<long>("SELECT count(*) FROM idempotency_keys WHERE user_id = 'u_pdf_key' AND endpoint LIKE 'GET %'"));
    }

    [Fact]
    public async Task An_unknown_token_is_the_404_page_and_the_invoice_s_pdf_url_and_the_pay_page_link_serve_the_PDF()
    {
        var missing = await _w.H.Api.CreateClient().GetAsync("/pay/" + new string('a', 64) + "/invoice.pdf");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("text/html", missing.Content.Headers.ContentType!.MediaType);

        await _w.CheckoutAsync("u_pdf_link", _w.Starter);
        var token = await _w.H.Db.ScalarAsync<string>("SELECT public_token FROM invoices WHERE user_id = 'u_pdf_link'");
        var open = new HtmlParser().ParseDocument(await _w.H.Api.CreateClient().GetStringAsync($"/pay/{token}"));
        Assert.Null(open.QuerySelector("a.pdf")); // the PDF link comes once paid
        (await _w.PayLatestAsync("u_pdf_link")).EnsureSuccessStatusCode();

        var paid = new HtmlParser().ParseDocument(await _w.H.Api.CreateClient().GetStringAsync($"/pay/{token}?lang=en"));
        var link = paid.QuerySelector("a.pdf")!.GetAttribute("href")!;
        var invoices = await (await _w.As("u_pdf_link").GetAsync("/api/invoices")).Content.ReadFromJsonAsync<JsonElement>();
        var pdfUrl = new Uri(invoices.GetProperty("invoices")[0].GetProperty("pdf_url").GetString()!);

        Assert.Equal($"/pay/{token}/invoice.pdf?lang=en", link);
        Assert.Equal($"https://billing.test/pay/{token}/invoice.pdf", pdfUrl.ToString());
        Assert.Contains("Paid", Words(await _w.H.Api.CreateClient().GetByteArrayAsync(link)), StringComparison.Ordinal);
        Assert.Contains("Lunas", Words(await _w.H.Api.CreateClient().GetByteArrayAsync(pdfUrl.PathAndQuery)), StringComparison.Ordinal);
    }
}
