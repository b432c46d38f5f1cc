using BillingCycle.TestSupport;

namespace BillingCycle.ProcessTests;

public sealed class CrashTests
{
    [Fact]
    public async Task Kill_9_in_the_middle_of_a_5000_subscription_renewal_then_restart_completes_the_batch_once()
    {
        ResilienceReport.Scenario();
        await using var world = await ProcessWorld.StartAsync();
        await world.SeedDueAsync(5_000);
        var env = new Dictionary<string, string> { ["BILLING_TEST_CLOCK"] = "2026-11-01T02:00:00Z" };
        var api = await world.StartApiAsync(env);
        // Crash while the API waits for iPaymu's answer to the 1,500th payment request.
        var killed = new TaskCompletionSource();
        var requests = 0;
        world.StandIn.State.OnRequest = r =>
        {
            if (r.Path == "/api/v2/payment" && Interlocked.Increment(ref requests) == 1_500)
            {
                api.KillHard();
                killed.TrySetResult();
            }
        };
        var renew = ProcessWorld.PostJsonAsync(api.Cron, "/api/billing/renew");
        await killed.Task.WaitAsync(TimeSpan.FromMinutes(3));
        await Assert.ThrowsAnyAsync<Exception>(() => renew);
        ResilienceReport.Faults(1);
        world.StandIn.State.OnRequest = null;

        var before = await world.Db.ScalarAsync<long>("SELECT count(*) FROM invoices");
        Assert.InRange(before, 1_500, 4_999);
        Assert.Equal("running", await world.Db.ScalarAsync<string>("SELECT status FROM job_runs"));

        await using var restarted = await world.StartApiAsync(env, api.Port);
        var answer = await ProcessWorld.PostJsonAsync(restarted.Cron, "/api/billing/renew");

        // The killed run is marked abandoned. (Both runs start at the frozen test clock's instant, so
        // "the first by started_at" is a tie: asked by status instead of by order.)
        Assert.Equal(1, await world.Db.ScalarAsync<long>("SELECT count(*) FROM job_runs WHERE status = 'abandoned'"));
        Assert.Equal(5_000, await world.Db.ScalarAsync<long>("SELECT count(*) FROM invoices"));
        Assert.Equal(5_000, await world.Db.ScalarAsync<long>("SELECT count(DISTINCT subscription_id) FROM invoices"));
        Assert.Equal(5_000, await world.Db.ScalarAsync<long>("SELECT count(*) FROM payments"));
        Assert.Equal(5_000, await world.Db.ScalarAsync<long>("SELECT count(*) FROM payments WHERE session_id IS NOT NULL"));
        Assert.Equal(5_000, await world.Db.ScalarAsync<long>("SELECT count(*) FROM notifications WHERE type = 'billing_payment_due'"));
        // At most the calls in flight at the moment of the kill were asked again (same reference, same invoice).
        Assert.InRange(world.StandIn.RequestCount("/api/v2/payment"), 5_000, 5_000 + 8);
        Assert.Equal(0, await world.Db.ScalarAsync<long>("SELECT count(*) FROM payments WHERE status = 'paid'"));
        Assert.True(answer.GetProperty("processed").GetInt32() > 0);
        await world.AssertInvariantsAsync();
    }
}
