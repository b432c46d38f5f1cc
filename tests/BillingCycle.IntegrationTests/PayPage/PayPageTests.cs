using System.Net;
using AngleSharp.Html.Parser;
using BillingCycle.IntegrationTests.Subscriptions;

namespace BillingCycle.IntegrationTests.PayPage;

/// <summary>contract §7.6, checked without a browser: the HTML parsed, the form posted, the 303 followed by hand.</summary>
public sealed class PayPageTests : IAsyncLifetime
{
    /// <summary>The rendered pages, for a person to open (git-ignored .local/test-results/pages/).</summary>
    private static class Artifacts
    {
        public static void Write(string name, string html)
        {
            var dir = Path.Combine(BillingCycle.TestSupport.DedicatedPostgres.RepoRoot(), ".local", "test-results", "pages");
            Directory.CreateDirectory(dir);
            File.WriteAllText(Path.Combine(dir, name), html);
        }
    }

    private LifecycleWorld _w = null!;

    public async Task InitializeAsync() => _w = await LifecycleWorld.StartAsync(new() { ["BILLING_SELLER_NAME"] = "PT Contoh Jaya", ["BILLING_SELLER_NPWP"] = "01.234.567.8-901.000" });

    public async Task DisposeAsync() => await _w.DisposeAsync();

    private HttpClient Browser() => _w.H.Api.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

    [Fact]
    public async Task An_open_invoice_shows_its_details_and_Bayar_sekarang_posts_to_a_303_to_a_live_iPaymu_link()
    {
        await _w.CheckoutAsync("u_page", _w.Pro);
        var token = await _w.H.Db.ScalarAsync<string>("SELECT public_token FROM invoices WHERE user_id = 'u_page'");
        var http = Browser();

        var page = await http.GetAsync($"/pay/{token}");
        var html = await page.Content.ReadAsStringAsync();
        Artifacts.Write("pay-page-open.html", html);
        var doc = new HtmlParser().ParseDocument(html);

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("id", doc.DocumentElement.GetAttribute("lang"));
        Assert.Contains("PT Contoh Jaya", doc.Body!.TextContent, StringComparison.Ordinal);
        Assert.Contains("Rp149.000", doc.Body.TextContent, StringComparison.Ordinal);
        Assert.NotNull(doc.QuerySelector("meta[name=viewport]"));
        var form = doc.QuerySelector("form")!;
        Assert.Equal("post", form.GetAttribute("method"));
        Assert.Equal($"/pay/{token}", form.GetAttribute("action"));
        Assert.Equal("Bayar sekarang", form.QuerySelector("button")!.TextContent.Trim());

        var pay = await http.PostAsync(form.GetAttribute("action"), new FormUrlEncodedContent([]));

        Assert.Equal(HttpStatusCode.SeeOther, pay.StatusCode);
        var live = await _w.H.Db.ScalarAsync<string>(
            "SELECT payment_url FROM payments p JOIN invoices i ON i.id = p.invoice_id WHERE i.user_id = 'u_page' AND p.status = 'pending'");
        Assert.Equal(live, pay.Headers.Location!.ToString());
    }

    [Fact]
    public async Task A_paid_invoice_shows_Lunas_with_the_date_and_no_button_and_English_on_request()
    {
        await _w.CheckoutAsync("u_paid", _w.Starter);
        await _w.PayLatestAsync("u_paid");
        var token = await _w.H.Db.ScalarAsync<string>("SELECT public_token FROM invoices WHERE user_id = 'u_paid'");

        var idHtml = await Browser().GetStringAsync($"/pay/{token}");
        var enHtml = await Browser().GetStringAsync($"/pay/{token}?lang=en");
        Artifacts.Write("pay-page-paid-id.html", idHtml);
        Artifacts.Write("pay-page-paid-en.html", enHtml);
        var id = new HtmlParser().ParseDocument(idHtml);
        var en = new HtmlParser().ParseDocument(enHtml);

        Assert.Equal("Lunas", id.QuerySelector(".status")!.TextContent.Trim());
        Assert.Null(id.QuerySelector("form"));
        Assert.Contains("1 November 2026", id.Body!.TextContent, StringComparison.Ordinal);
        Assert.Equal("en", en.DocumentElement.GetAttribute("lang"));
        Assert.Equal("Paid", en.QuerySelector(".status")!.TextContent.Trim());
        Assert.Contains("IDR 49,000", en.Body!.TextContent, StringComparison.Ordinal);
        var post = await Browser().PostAsync($"/pay/{token}", new FormUrlEncodedContent([]));
        Assert.Equal(HttpStatusCode.Conflict, post.StatusCode); // not open: the page as it is, no new link
        Assert.Equal(1, await _w.H.Db.ScalarAsync<long>("SELECT count(*) FROM payments p JOIN invoices i ON i.id = p.invoice_id WHERE i.user_id = 'u_paid'"));
    }

    [Fact]
    public async Task An_unknown_token_is_a_404_page_and_values_are_html_encoded()
    {
        var missing = await Browser().GetAsync("/pay/" + new string('a', 64));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Contains("Tagihan tidak ditemukan", await missing.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        await _w.H.Db.ExecAsync("INSERT INTO users (id, full_name) VALUES ('u_xss', '<script>alert(1)</script>')");
        await _w.CheckoutAsync("u_xss", _w.Starter);
        var token = await _w.H.Db.ScalarAsync<string>("SELECT public_token FROM invoices WHERE user_id = 'u_xss'");
        var html = await Browser().GetStringAsync($"/pay/{token}");
        Assert.DoesNotContain("<script>alert(1)</script>", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;", html, StringComparison.Ordinal);
    }
}
