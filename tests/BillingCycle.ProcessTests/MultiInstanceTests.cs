using System.Globalization;
using System.Net;
using BillingCycle.TestSupport;

namespace BillingCycle.ProcessTests;

public sealed class MultiInstanceTests
{
    [Fact]
    public async Task Three_instances_with_schedulers_and_concurrent_HTTP_calls_over_a_month_run_each_job_once_per_occurrence()
    {
        ResilienceReport.Scenario();
        await using var world = await ProcessWorld.StartAsync();
        await world.SeedDueAsync(30);
        var env = new Dictionary<string, string>
        {
            ["BILLING_TEST_CLOCK"] = "2026-10-31T12:00:00Z",
            ["BILLING_SCHEDULER_ENABLED"] = "true",
        };
        var apis = new List<ApiProcess>();
        for (var i = 0; i < 3; i++)
        {
            apis.Add(await world.StartApiAsync(env));
        }
        var rng = new Random(31);
        var conflicts = 0;

        for (var day = 1; day <= 30; day++)
        {
            foreach (var (hour, path) in new[] { (2, "/api/billing/renew"), (3, "/api/billing/retry") })
            {
                var at = new DateTimeOffset(2026, 11, day, hour, 0, 30, TimeSpan.Zero);
                await Task.WhenAll(apis.Select(a => ProcessWorld.PostJsonAsync(a.Cron, "/api/billing/test-clock",
                    new { now = at.ToString("o", CultureInfo.InvariantCulture) })));
                var answers = await Task.WhenAll(apis.Select(a => a.Cron.PostAsync(new Uri(path, UriKind.Relative), null)));
                Assert.All(answers, a => Assert.True(a.StatusCode is HttpStatusCode.OK or HttpStatusCode.Conflict, a.StatusCode.ToString()));
                conflicts += answers.Count(a => a.StatusCode == HttpStatusCode.Conflict);
                await SettledAsync(world.Db);
            }

            // Customers act on their open links; the stand-in posts the signed callbacks to the instance that asked.
            foreach (var p in world.StandIn.State.BySession.Values.Where(p => p.Status == 0).ToList())
            {
                var roll = rng.Next(100);
                if (roll < 45)
                {
                    await world.StandIn.Callbacks.DeliverAsync(world.StandIn.Act(p.ReferenceId, roll < 35 ? "pay" : "expire"), CancellationToken.None);
                }
            }
            await world.AssertInvariantsAsync();
        }

        Assert.Equal(0, await world.Db.ScalarAsync<long>(
            "SELECT count(*) FROM (SELECT job, scheduled_for FROM job_runs WHERE scheduled_for IS NOT NULL GROUP BY 1, 2 HAVING count(*) > 1) d"));
        for (var day = 1; day <= 30; day++)
        {
            foreach (var (job, hour) in new[] { ("renewal", 2), ("retry", 3) })
            {
                var from = new DateTime(2026, 11, day, hour, 0, 0, DateTimeKind.Utc);
                Assert.InRange(await world.Db.ScalarAsync<long>(
                    "SELECT count(*) FROM job_runs WHERE job = $1 AND trigger = 'schedule' AND scheduled_for = $2", job, from), 0, 1);
                Assert.True(await world.Db.ScalarAsync<long>(
                    "SELECT count(*) FROM job_runs WHERE job = $1 AND started_at >= $2 AND started_at < $2 + interval '1 hour'", job, from) >= 1,
                    $"{job} ran on day {day}");
            }
        }
        Assert.True(await world.Db.ScalarAsync<long>("SELECT count(*) FROM job_runs WHERE trigger = 'schedule'") >= 10, "the schedulers ran jobs themselves");
        Assert.True(conflicts > 0, "concurrent HTTP calls met a running job");
        Assert.True(await world.Db.ScalarAsync<long>("SELECT count(*) FROM invoices WHERE status = 'paid'") > 0);
        ResilienceReport.SubscriptionMonths(30);
        Assert.All(apis, a => Assert.False(a.HasExited));
    }

    /// <summary>Waits (real time) until no job run is in progress anywhere.</summary>
    private static async Task SettledAsync(TestDatabase db)
    {
        var quiet = 0;
        for (var i = 0; i < 300 && quiet < 3; i++)
        {
            quiet = await db.ScalarAsync<long>("SELECT count(*) FROM job_runs WHERE status = 'running'") == 0 ? quiet + 1 : 0;
            await Task.Delay(100);
        }
    }
}
