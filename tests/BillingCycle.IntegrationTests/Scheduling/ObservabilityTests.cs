using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using BillingCycle.IntegrationTests.Infrastructure;
using BillingCycle.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Serilog.Core;

namespace BillingCycle.IntegrationTests.Scheduling;

public sealed class ObservabilityTests
{
    [Fact]
    public async Task Metrics_show_the_renewal_counters_moving_after_a_run()
    {
        await using var h = await BillingHarness.StartAsync();
        var c = h.Api.CreateClient();
        await h.DueSubscriptionAsync();
        await h.RenewAsync();

        var text = await c.GetStringAsync("/metrics");

        Assert.Contains("billing_job_results_total{", text, StringComparison.Ordinal);
        Assert.Matches("billing_job_results_total\\{[^}]*result=\"pending_payment\"[^}]*\\} [1-9]", text);
        Assert.Contains("billing_job_duration_seconds_count{", text, StringComparison.Ordinal);
        Assert.Contains("ipaymu_call_duration_seconds_count{", text, StringComparison.Ordinal);
        Assert.Contains("billing_payment_outcomes_total{", text, StringComparison.Ordinal);
        Assert.Contains("http_server_request_duration_seconds", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Logs_of_a_full_renewal_and_webhook_flow_hold_no_api_key_cron_secret_or_bearer_token()
    {
        var capture = new LogCapture();
        var tokens = new ClerkTokens();
        await using var db = await PostgresServer.CreateDatabaseAsync();
        await using var standIn = await StandInHost.StartAsync();
        await using var app = new ApiFactory(db, tokens, new Dictionary<string, string?>
        {
            ["IPAYMU_BASE_URL"] = standIn.BaseUrl.ToString().TrimEnd('/'),
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            // Production requires both (contract §10.6).
            ["CLERK_ISSUER"] = ClerkTokens.DefaultIssuer,
            ["CLERK_AUTHORIZED_PARTIES"] = ClerkTokens.DefaultParty,
        }, new Microsoft.Extensions.Time.Testing.FakeTimeProvider(BillingHarness.Start))
        {
            ExtraServices = s => s.AddSingleton<ILogEventSink>(capture),
        };
        var user = await Seed.UserAsync(db);
        var plan = await Seed.PlanAsync(db);
        var end = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
        var sub = await Seed.SubscriptionAsync(db, user, plan, end.AddMonths(-1), end.AddMonths(-1), end);

        (await app.Cron().PostAsync("/api/billing/renew", null)).EnsureSuccessStatusCode();
        var reference = await db.ScalarAsync<string>("SELECT reference_id FROM payments");
        var cb = standIn.Act(reference, "pay");
        using (var req = new HttpRequestMessage(HttpMethod.Post, "/api/billing/webhook") { Content = new StringContent(cb.Body, System.Text.Encoding.UTF8, cb.ContentType) })
        {
            req.Headers.TryAddWithoutValidation("X-Signature", cb.Signature);
            Assert.Equal(HttpStatusCode.OK, (await app.CreateClient().SendAsync(req)).StatusCode);
        }
        var bearer = tokens.Admin("admin_logs");
        var credits = app.ClientFor(bearer);
        (await credits.PostAsJsonAsync("/api/credits/scraper/add", new { amount = 5 })).EnsureSuccessStatusCode();
        (await app.ClientFor("wrong-" + ApiFactory.CronSecret).PostAsync("/api/billing/renew", null)).Dispose();
        (await app.ClientFor(ClerkTokens.SignedByAnotherKey("x")).GetAsync("/api/credits/balance")).Dispose();

        Assert.Equal("paid", await db.ScalarAsync<string>("SELECT status FROM invoices WHERE subscription_id = $1", sub));
        var all = string.Join('\n', capture.Lines);
        Assert.True(capture.Lines.Count > 5, "the capture saw the app's logs");
        Assert.Contains("Callback for", all, StringComparison.Ordinal);
        Assert.DoesNotContain(StandInHost.ApiKey, all, StringComparison.Ordinal);
        Assert.DoesNotContain(ApiFactory.CronSecret, all, StringComparison.Ordinal);
        Assert.DoesNotContain(bearer, all, StringComparison.Ordinal);
        Assert.DoesNotContain(bearer.Split('.')[2], all, StringComparison.Ordinal);
        Assert.DoesNotContain(cb.Signature, all, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_OpenAPI_document_describes_every_endpoint_with_summaries_and_error_codes()
    {
        await using var h = await BillingHarness.StartAsync();
        var doc = await h.Api.CreateClient().GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var paths = doc.GetProperty("paths");
        string[] expected =
        [
            "/api/credits/interaction/reset", "/api/credits/scraper/add", "/api/credits/balance", "/api/credits/transactions",
            "/api/credits/{creditType}/consume", "/api/billing/webhook", "/api/billing/renew", "/api/billing/retry",
            "/api/billing/test-clock", "/api/billing/health", "/health/live", "/health/ready",
        ];
        foreach (var path in expected)
        {
            Assert.True(paths.TryGetProperty(path, out var item), path);
            foreach (var op in item.EnumerateObject())
            {
                Assert.False(string.IsNullOrWhiteSpace(op.Value.GetProperty("summary").GetString()), $"{path} {op.Name} summary");
                Assert.True(op.Value.GetProperty("responses").TryGetProperty("200", out _), $"{path} {op.Name} 200");
            }
        }
        Assert.True(paths.GetProperty("/api/billing/renew").GetProperty("post").GetProperty("responses").TryGetProperty("409", out _));
        Assert.True(paths.GetProperty("/api/credits/scraper/add").GetProperty("post").GetProperty("responses").TryGetProperty("403", out _));
        var docs = await h.Api.CreateClient().GetAsync("/docs");
        Assert.Equal(HttpStatusCode.OK, docs.StatusCode);
    }

    [Fact]
    public async Task A_month_of_billing_is_played_through_HTTP_alone_with_the_test_clock()
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        await using var db = await PostgresServer.CreateDatabaseAsync();
        await using var standIn = await StandInHost.StartAsync();
        await using var app = new ApiFactory(db, new ClerkTokens(), new Dictionary<string, string?>
        {
            ["IPAYMU_BASE_URL"] = standIn.BaseUrl.ToString().TrimEnd('/'),
            ["BILLING_TEST_CLOCK"] = "2026-11-01T02:00:00Z",
        })
        { UseFakeClock = false };
        var user = await Seed.UserAsync(db);
        var plan = await Seed.PlanAsync(db);
        var end = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
        var sub = await Seed.SubscriptionAsync(db, user, plan, end.AddMonths(-1), end.AddMonths(-1), end);
        var cron = app.Cron();
        var now = new DateTimeOffset(2026, 11, 1, 2, 0, 0, TimeSpan.Zero);

        async Task MoveAsync(TimeSpan by)
        {
            now += by;
            var res = await cron.PostAsJsonAsync("/api/billing/test-clock", new { now = now.ToString("o") });
            Assert.Equal(HttpStatusCode.OK, res.StatusCode);
            Assert.Equal(now, (await res.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("now").GetDateTimeOffset());
        }
        async Task ExpireOpenLinkAsync()
        {
            var payments = await standIn.Http.GetFromJsonAsync<JsonElement>("/_standin/payments");
            var open = payments.EnumerateArray().First(p => p.GetProperty("Status").GetInt32() == 0);
            (await standIn.Http.PostAsync(new Uri($"/_standin/payments/{open.GetProperty("SessionId").GetString()}/expire?deliver=false", UriKind.Relative), null)).EnsureSuccessStatusCode();
        }

        async Task<JsonElement> RetryAsync() =>
            await (await cron.PostAsync("/api/billing/retry", null)).Content.ReadFromJsonAsync<JsonElement>();
        async Task LapseAsync()
        {
            await ExpireOpenLinkAsync();                // the customer lets the link lapse; the callback is lost
            await MoveAsync(TimeSpan.FromHours(25.5)); // past expiry plus grace
            Assert.Equal(1, (await RetryAsync()).GetProperty("reconciliation").GetProperty("expired").GetInt32());
        }

        Assert.Equal(HttpStatusCode.OK, (await cron.PostAsync("/api/billing/renew", null)).StatusCode);
        await LapseAsync();
        foreach (var delay in new[] { 1, 2, 4, 7, 14 })
        {
            await MoveAsync(TimeSpan.FromDays(delay));
            Assert.Equal(1, (await RetryAsync()).GetProperty("summary").GetProperty("pending_payment").GetInt32());
            await LapseAsync();
        }

        Assert.Equal("canceled|Payment failed after 5 retry attempts", await db.ScalarAsync<string>(
            "SELECT status || '|' || cancel_reason FROM subscriptions WHERE id = $1", sub));
        Assert.Equal(6, await db.ScalarAsync<long>("SELECT count(*) FROM payments"));
        var back = await cron.PostAsJsonAsync("/api/billing/test-clock", new { now = "2026-11-01T00:00:00Z" });
        Assert.Equal(HttpStatusCode.BadRequest, back.StatusCode);
        Assert.Contains("CLOCK_BACKWARDS", await back.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.True(started.Elapsed < TimeSpan.FromMinutes(1), $"took {started.Elapsed}");
    }

    [Fact]
    public async Task The_test_clock_endpoint_is_404_without_BILLING_TEST_CLOCK_and_401_without_the_secret()
    {
        await using var h = await BillingHarness.StartAsync();
        var res = await h.Api.Cron().PostAsJsonAsync("/api/billing/test-clock", new { now = "2027-01-01T00:00:00Z" });
        Assert.Equal(HttpStatusCode.NotFound, res.StatusCode);
        var anon = await h.Api.CreateClient().PostAsJsonAsync("/api/billing/test-clock", new { now = "2027-01-01T00:00:00Z" });
        Assert.Equal(HttpStatusCode.Unauthorized, anon.StatusCode);
    }
}
