using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BillingCycle.IntegrationTests.Infrastructure;
using BillingCycle.TestSupport;

namespace BillingCycle.IntegrationTests.Scheduling;

public sealed class HealthTests
{
    [Fact]
    public async Task Health_answers_with_job_fields_and_reports_ready()
    {
        await using var h = await BillingHarness.StartAsync();
        await h.DueSubscriptionAsync();
        await h.RenewAsync();
        var c = h.Api.CreateClient();

        var res = await c.GetAsync("/api/billing/health");
        var body = await res.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        Assert.Equal("healthy|connected|stopped", $"{body.GetProperty("status")}|{body.GetProperty("database")}|{body.GetProperty("scheduler")}");
        Assert.True(body.GetProperty("recent_activity").GetProperty("total_logs").GetInt32() >= 1);
        Assert.Equal(0, body.GetProperty("recent_activity").GetProperty("recent_errors").GetInt32());
        var renewal = body.GetProperty("jobs").GetProperty("renewal");
        Assert.Equal("succeeded", renewal.GetProperty("last_status").GetString());
        Assert.Equal(BillingHarness.Start, renewal.GetProperty("last_run").GetDateTimeOffset());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("jobs").GetProperty("retry").GetProperty("last_run").ValueKind);
        Assert.Equal(HttpStatusCode.OK, (await c.GetAsync("/health/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await c.GetAsync("/health/live")).StatusCode);
    }

    [Fact]
    public async Task Stopping_PostgreSQL_makes_health_503_within_3_seconds_and_starting_it_makes_it_200_again()
    {
        await using var pg = await DedicatedPostgres.StartAsync();
        // Not disposed: the cluster is thrown away whole.
        var db = new TestDatabase("billing", pg.ConnectionString);
        await using var app = new ApiFactory(db, new ClerkTokens(), new Dictionary<string, string?> { ["BILLING_MIGRATE_ON_START"] = "true" });
        var c = app.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await c.GetAsync("/api/billing/health")).StatusCode);

        await pg.StopAsync();
        var watch = Stopwatch.StartNew();
        var down = await c.GetAsync("/api/billing/health");
        watch.Stop();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3), $"took {watch.Elapsed}");
        Assert.Equal("unhealthy", (await down.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await c.GetAsync("/health/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await c.GetAsync("/health/live")).StatusCode);

        await pg.StartAgainAsync();
        var up = await Eventually.ValueAsync(async () => (await c.GetAsync("/api/billing/health")).StatusCode, s => s == HttpStatusCode.OK, 10_000);
        Assert.Equal(HttpStatusCode.OK, up);
    }
}
