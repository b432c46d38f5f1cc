using System.Net;
using BillingCycle.IntegrationTests.Infrastructure;
using BillingCycle.IntegrationTests.Subscriptions;
using BillingCycle.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Serilog.Core;

namespace BillingCycle.IntegrationTests.PayPage;

/// <summary>
/// The pay page shows the buyer's name and email: it is sent with the console's headers (no
/// script, no framing, no referrer, nothing stored), and every request leaves one access-log line
/// with the route's template, never the token or the query.
/// </summary>
public sealed class PayPageSecurityTests
{
    [Fact]
    public async Task The_pay_page_its_404_and_its_PDF_are_never_stored_and_the_HTML_runs_no_script_and_is_never_framed()
    {
        await using var w = await LifecycleWorld.StartAsync();
        await Seed.UserAsync(w.H.Db, "u_headers");
        await w.CheckoutAsync("u_headers", w.Pro);
        var token = await w.H.Db.ScalarAsync<string>("SELECT public_token FROM invoices WHERE user_id = 'u_headers'");
        var client = w.H.Api.CreateClient();

        foreach (var (path, status) in new[] { ($"/pay/{token}", HttpStatusCode.OK), ("/pay/" + new string('z', 64), HttpStatusCode.NotFound) })
        {
            using var res = await client.GetAsync(new Uri(path, UriKind.Relative));
            Assert.Equal(status, res.StatusCode);
            var csp = res.Headers.GetValues("Content-Security-Policy").Single();
            Assert.Contains("default-src 'none'", csp, StringComparison.Ordinal);
            Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
            Assert.DoesNotContain("script-src", csp, StringComparison.Ordinal);
            Assert.Equal("DENY", res.Headers.GetValues("X-Frame-Options").Single());
            Assert.Equal("no-referrer", res.Headers.GetValues("Referrer-Policy").Single());
            Assert.Equal("nosniff", res.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.True(res.Headers.CacheControl!.NoStore, path);
        }

        using var pdf = await client.GetAsync(new Uri($"/pay/{token}/invoice.pdf", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, pdf.StatusCode);
        Assert.True(pdf.Headers.CacheControl!.NoStore);
        Assert.Equal("no-referrer", pdf.Headers.GetValues("Referrer-Policy").Single());

        // The API's answers carry people's invoices and pay links: not stored either.
        using var list = await w.As("u_headers").GetAsync(new Uri("/api/invoices", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.True(list.Headers.CacheControl!.NoStore);
    }

    [Fact]
    public async Task A_request_leaves_one_access_log_line_with_method_route_template_status_and_duration_and_no_token()
    {
        var capture = new LogCapture();
        await using var w = await LifecycleWorld.StartAsync();
        await using var api = w.H.SecondInstanceWith(s => s.AddSingleton<ILogEventSink>(capture));
        await Seed.UserAsync(w.H.Db, "u_log");
        await w.CheckoutAsync("u_log", w.Pro);
        var token = await w.H.Db.ScalarAsync<string>("SELECT public_token FROM invoices WHERE user_id = 'u_log'");

        using var res = await api.CreateClient().GetAsync(new Uri($"/pay/{token}?lang=en&secret=q-{token}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, res.StatusCode);

        static bool IsPayPage(string l) => l.Contains("\"Route\":\"/pay/{token}\"", StringComparison.Ordinal);
        Assert.True(await Eventually.TrueAsync(() => Task.FromResult(capture.Lines.Any(IsPayPage))), "no access-log line for /pay/{token}");
        var line = Assert.Single(capture.Lines, IsPayPage);
        Figures.Note("access log line: " + line);
        Assert.Contains("\"Method\":\"GET\"", line, StringComparison.Ordinal);
        Assert.Contains("\"StatusCode\":200", line, StringComparison.Ordinal);
        Assert.Contains("\"ElapsedMs\":", line, StringComparison.Ordinal);
        Assert.DoesNotContain(capture.Lines, l => l.Contains(token, StringComparison.Ordinal) || l.Contains("lang=en", StringComparison.Ordinal));
    }
}
