using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BillingCycle.IntegrationTests.Infrastructure;

namespace BillingCycle.IntegrationTests.Housekeeping;

public sealed class HousekeepingTests
{
    [Fact]
    public async Task Housekeeping_prunes_old_unverified_callbacks_and_keeps_verified_and_recent_ones()
    {
        await using var h = await BillingHarness.StartAsync();
        var now = BillingHarness.Start;
        foreach (var (outcome, valid, age) in new (string, bool?, int)[]
                 {
                     ("invalid_signature", false, 91), ("missing_signature", null, 120), ("unparsable", null, 400),
                     ("invalid_signature", false, 89), ("applied", true, 400), ("unknown_reference", true, 200),
                 })
        {
            await h.Db.ExecAsync("""
                INSERT INTO webhook_events (received_at, payload, signature_valid, outcome, processed_at)
                VALUES ($1, '{}'::jsonb, $2, $3, $1)
                """, now.AddDays(-age), valid, outcome);
        }

        var res = await h.Api.Cron().PostAsync("/api/billing/housekeeping", null);

        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        var answer = await res.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(3, answer.GetProperty("reconciliation").GetProperty("webhook_events_pruned").GetInt32());
        Assert.Equal("applied,invalid_signature,unknown_reference", await h.Db.ScalarAsync<string>(
            "SELECT string_agg(outcome, ',' ORDER BY outcome) FROM webhook_events"));
        Assert.Equal("succeeded", await h.Db.ScalarAsync<string>("SELECT status FROM job_runs WHERE job = 'housekeeping'"));
    }

    [Fact]
    public async Task Housekeeping_needs_the_cron_secret()
    {
        await using var h = await BillingHarness.StartAsync();

        var res = await h.Api.CreateClient().PostAsync("/api/billing/housekeeping", null);

        Assert.Equal(HttpStatusCode.Unauthorized, res.StatusCode);
        Assert.Equal(0, await h.Db.ScalarAsync<long>("SELECT count(*) FROM job_runs"));
    }
}
