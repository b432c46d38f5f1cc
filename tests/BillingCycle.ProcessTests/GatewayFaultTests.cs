using System.Diagnostics;
using BillingCycle.IPaymu.StandIn;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;
using WireMock.Settings;

namespace BillingCycle.ProcessTests;

public sealed class GatewayFaultTests
{
    public static TheoryData<string, int> Faults() => new()
    {
        { "latency_spike", 0 },
        { "http500", 0 },
        { "reset", 0 },
        { "truncated", 0 },
        { "garbage", 0 },
        { "slow_drip", 0 },
    };

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task iPaymu_faults_end_the_run_in_bounded_time_with_everyone_deferred_the_breaker_open_and_one_alert(string fault, int _)
    {
        ResilienceReport.Scenario();
        using var monitor = WireMockServer.Start(new WireMockServerSettings { Urls = ["http://127.0.0.1:0"] });
        monitor.Given(Request.Create().UsingPost()).RespondWith(Response.Create().WithStatusCode(200));
        await using var world = await ProcessWorld.StartAsync();
        await world.SeedDueAsync(40);
        var api = await world.StartApiAsync(new()
        {
            ["BILLING_TEST_CLOCK"] = "2026-11-01T02:00:00Z",
            ["MONITORING_WEBHOOK_URL"] = monitor.Url + "/alerts",
            ["IPaymu__AttemptTimeout"] = "00:00:01",
            ["IPaymu__TotalTimeout"] = "00:00:03",
            ["IPaymu__BreakerMinimumThroughput"] = "5",
            ["IPaymu__BreakerBreakDuration"] = "00:01:00",
        });
        await world.StandIn.SetFaultsAsync(fault == "latency_spike"
            ? new StandInFaults { LatencyMs = 3_000 }
            : new StandInFaults { Mode = fault });

        var watch = Stopwatch.StartNew();
        var answer = await ProcessWorld.PostJsonAsync(api.Cron, "/api/billing/renew");
        watch.Stop();
        ResilienceReport.Faults(world.StandIn.State.Requests.Count + 1);

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(45), $"run took {watch.Elapsed}");
        var summary = answer.GetProperty("summary");
        Assert.Equal(40, summary.GetProperty("deferred").GetInt32());
        Assert.Single(summary.EnumerateObject());
        Assert.Contains(answer.GetProperty("results").EnumerateArray(),
            r => r.GetProperty("error").GetString()!.Contains("circuit open", StringComparison.Ordinal));
        Assert.True(world.StandIn.RequestCount("/api/v2/payment") < 40, "the breaker stopped the calls");
        Assert.Equal(0, await world.Db.ScalarAsync<long>("SELECT count(*) FROM subscriptions WHERE status = 'past_due'"));
        Assert.Equal(0, await world.Db.ScalarAsync<long>("SELECT count(*) FROM payment_retries"));
        Assert.Equal(0, await world.Db.ScalarAsync<long>("SELECT count(*) FROM payments WHERE status <> 'pending'"));
        // The alert is sent after the run answers; on a loaded machine that can take seconds.
        for (var i = 0; i < 300 && monitor.LogEntries.Count() == 0; i++)
        {
            await Task.Delay(100);
        }
        await Task.Delay(300);
        Assert.Single(monitor.LogEntries);
        Assert.Contains("deferred", monitor.LogEntries.Single().RequestMessage.Body!, StringComparison.Ordinal);
        Assert.False(api.HasExited);
        await world.AssertInvariantsAsync();
    }
}
