using System.Diagnostics;
using System.Net;
using BillingCycle.IntegrationTests.Subscriptions;
using BillingCycle.TestSupport;
using Npgsql;

namespace BillingCycle.IntegrationTests.PayPage;

/// <summary>
/// What a PDF can cost (contract §10.4): a buyer's name is bounded where it is written, an old
/// row's 4,000-character name is cut when drawn, a PDF is rendered once per invoice state and
/// language, and the API's PDF has a per-user limit.
/// </summary>
public sealed class InvoicePdfCostTests
{
    [Fact]
    public async Task A_hundred_PDFs_of_a_4000_character_name_cost_under_two_seconds_of_CPU()
    {
        await using var w = await LifecycleWorld.StartAsync();
        // The database refuses such a name now...
        var refused = await Assert.ThrowsAsync<PostgresException>(() =>
            w.H.Db.ExecAsync("INSERT INTO users (id, email, full_name) VALUES ('u_long', 'l@example.com', $1)", new string('N', 4_000)));
        Assert.Equal(PostgresErrorCodes.CheckViolation, refused.SqlState);
        // ...but a row written before the bound keeps it (the constraint is NOT VALID): the worst case.
        await w.H.Db.ExecAsync("ALTER TABLE users DROP CONSTRAINT users_full_name_length");
        await w.H.Db.ExecAsync("INSERT INTO users (id, email, full_name) VALUES ('u_long', 'l@example.com', $1)", new string('N', 4_000));
        await w.CheckoutAsync("u_long", w.Pro);
        var token = await w.H.Db.ScalarAsync<string>("SELECT public_token FROM invoices WHERE user_id = 'u_long'");
        var client = w.H.Api.CreateClient();

        var first = Stopwatch.StartNew();
        using (var res = await client.GetAsync(new Uri($"/pay/{token}/invoice.pdf", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        }
        first.Stop();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        for (var i = 0; i < 100; i++)
        {
            using var res = await client.GetAsync(new Uri($"/pay/{token}/invoice.pdf{(i % 2 == 0 ? "" : "?lang=en")}", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        }
        var spent = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        Figures.Note($"PDF, 4,000-character name over HTTP: first render {first.ElapsedMilliseconds} ms; 100 more requests {spent.TotalMilliseconds:0} ms CPU, {wall.ElapsedMilliseconds} ms wall");
        Assert.True(first.Elapsed < TimeSpan.FromSeconds(1), $"first PDF took {first.ElapsedMilliseconds} ms");
        // The whole test process's CPU (other test classes run in parallel): a bound with a generous margin.
        Assert.True(spent < TimeSpan.FromSeconds(2), $"100 PDFs cost {spent.TotalMilliseconds:0} ms of CPU");
    }

    [Fact]
    public async Task The_API_s_PDF_is_limited_per_user_and_one_user_s_limit_is_not_another_s()
    {
        await using var w = await LifecycleWorld.StartAsync(new() { ["BILLING_RATE_LIMIT_PER_MINUTE"] = "5" });
        await BillingCycle.TestSupport.Seed.UserAsync(w.H.Db, "u_pdf_a");
        await w.CheckoutAsync("u_pdf_a", w.Pro);
        var invoice = await w.H.Db.ScalarAsync<Guid>("SELECT id FROM invoices WHERE user_id = 'u_pdf_a'");
        var a = w.As("u_pdf_a");
        var codes = new List<HttpStatusCode>();
        for (var i = 0; i < 6; i++)
        {
            using var res = await a.GetAsync(new Uri($"/api/invoices/{invoice}/pdf", UriKind.Relative));
            codes.Add(res.StatusCode);
            if (res.StatusCode == HttpStatusCode.TooManyRequests)
            {
                Assert.Contains("\"code\":\"RATE_LIMITED\"", await res.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }
        }
        // The checkout was the user's first write of the minute: 4 PDFs, then 429.
        Assert.Equal(4, codes.Count(c => c == HttpStatusCode.OK));
        Assert.Equal(2, codes.Count(c => c == HttpStatusCode.TooManyRequests));
        using var other = await w.As("u_pdf_b").GetAsync(new Uri($"/api/invoices/{invoice}/pdf", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
    }
}
