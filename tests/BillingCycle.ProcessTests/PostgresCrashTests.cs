using System.Net;
using System.Text.Json;
using BillingCycle.IPaymu.StandIn;
using BillingCycle.TestSupport;
using Npgsql;
using Xunit.Abstractions;

namespace BillingCycle.ProcessTests;

/// <summary>
/// PostgreSQL itself crashing (pg_ctl stop -m immediate: no checkpoint, no goodbye to any client;
/// once a kill -9 of the postmaster) under the running API, which is never restarted: while the
/// database is away every answer is a 503 with a code (health, metrics and an alert say so), never
/// a 500 and never a 200 for what was not stored; once it is back the same process carries on, and
/// the next runs leave every invariant true. The cluster is the class's own (<see cref="CrashCluster"/>).
/// </summary>
[Collection(CrashCluster.Collection)]
public sealed class PostgresCrashTests(CrashCluster cluster, ITestOutputHelper output)
{
    private static readonly Dictionary<string, string> Clock = new() { ["BILLING_TEST_CLOCK"] = "2026-11-01T02:00:00Z" };

    [Fact]
    public async Task Immediate_stop_in_the_middle_of_a_renewal_page_answers_503_while_down_and_the_next_run_renews_everyone_once()
    {
        ResilienceReport.Scenario();
        const int due = 300;
        var tokens = new ClerkTokens();
        await using var monitor = await HttpTestReceiver.StartAsync();
        var db = await cluster.CreateDatabaseAsync();
        await using var world = await ProcessWorld.StartAsync(db: db);
        await world.SeedDueAsync(due);
        var api = await world.StartApiAsync(new(Clock)
        {
            ["MONITORING_WEBHOOK_URL"] = monitor.BaseUrl + "alerts",
            ["CLERK_JWT_KEY"] = tokens.PublicKeyPem,
        });
        await world.StandIn.SetFaultsAsync(new StandInFaults { LatencyMs = 20 });
        var reached = new TaskCompletionSource();
        var requests = 0;
        world.StandIn.State.OnRequest = r =>
        {
            if (r.Path == "/api/v2/payment" && Interlocked.Increment(ref requests) == 100)
            {
                reached.TrySetResult();
            }
        };

        var renew = api.Cron.PostAsync(new Uri("/api/billing/renew", UriKind.Relative), null);
        await reached.Task.WaitAsync(TimeSpan.FromMinutes(1));
        await cluster.Pg.CrashAsync();
        world.StandIn.State.OnRequest = null;

        // The run in flight ends as a fault of ours, never a 500.
        using (var answer = await renew)
        {
            Assert.True(answer.StatusCode is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, $"renew in flight: {(int)answer.StatusCode}");
        }
        // While the database is away: 503 with a code everywhere, health says so, the metric counts, an alert goes out.
        var health = await api.Http.GetAsync(new Uri("/api/billing/health", UriKind.Relative));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        Assert.Equal("unhealthy", JsonDocument.Parse(await health.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetString());
        await AssertUnavailableAsync(await api.Cron.PostAsync(new Uri("/api/billing/renew", UriKind.Relative), null));
        using (var balance = new HttpRequestMessage(HttpMethod.Get, "/api/credits/balance"))
        {
            balance.Headers.Authorization = new("Bearer", tokens.Issue("u1"));
            await AssertUnavailableAsync(await api.Http.SendAsync(balance));
        }
        var reference = world.StandIn.State.BySession.Values.First().ReferenceId;
        var callback = await world.StandIn.Callbacks.DeliverAsync(world.StandIn.Act(reference, "pay"), CancellationToken.None);
        Assert.Equal(503, callback.StatusCode);
        var metrics = await api.Http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Contains("billing_database_unavailable_total{", metrics, StringComparison.Ordinal);
        await WaitForAsync(() => Task.FromResult(monitor.Requests.Any(r => r.Body.Contains("Database unreachable", StringComparison.Ordinal))));

        await cluster.RecoverAsync(db);
        await WaitForHealthyAsync(api);
        ResilienceReport.PostgresCrashes(1);
        await world.StandIn.SetFaultsAsync(new StandInFaults());
        await ProcessWorld.PostJsonAsync(api.Cron, "/api/billing/renew");
        // The callback answered 503 is resent, as iPaymu does, and now applied.
        Assert.Equal(200, (await world.StandIn.Callbacks.DeliverAsync(callback.Callback, CancellationToken.None)).StatusCode);

        Assert.False(api.HasExited);
        Assert.Equal(due, await db.ScalarAsync<long>("SELECT count(*) FROM invoices"));
        Assert.Equal(due, await db.ScalarAsync<long>("SELECT count(DISTINCT subscription_id) FROM invoices"));
        Assert.Equal(due, await db.ScalarAsync<long>("SELECT count(*) FROM payments WHERE session_id IS NOT NULL"));
        Assert.Equal(due, await db.ScalarAsync<long>("SELECT count(DISTINCT user_id) FROM notifications WHERE type = 'billing_payment_due'"));
        Assert.Equal(1, await db.ScalarAsync<long>("SELECT count(*) FROM invoices WHERE status = 'paid'"));
        await world.AssertInvariantsAsync();
    }

    [Fact]
    public async Task A_link_batch_commit_lost_in_a_crash_is_made_again_with_its_reference_and_paying_the_lost_link_settles_it()
    {
        ResilienceReport.Scenario();
        const int due = 24;
        var db = await cluster.CreateDatabaseAsync();
        await using var world = await ProcessWorld.StartAsync(db: db);
        await world.SeedDueAsync(due);
        var api = await world.StartApiAsync(Clock);
        // Slow links: the run lasts long enough for the test to hold its job_runs row.
        await world.StandIn.SetFaultsAsync(new StandInFaults { LatencyMs = 250 });

        // The crash lands right after the last link batch committed (without waiting for its WAL):
        // the run's last write, marking it finished, waits for the row this test holds.
        var renew = api.Cron.PostAsync(new Uri("/api/billing/renew", UriKind.Relative), null);
        await WaitForAsync(async () => await db.ScalarAsync<long>("SELECT count(*) FROM job_runs WHERE status = 'running'") == 1);
        var hold = await db.DataSource.OpenConnectionAsync();
        var tx = await hold.BeginTransactionAsync();
        await using (var lockRun = new NpgsqlCommand("SELECT id FROM job_runs WHERE status = 'running' FOR UPDATE", hold, tx))
        {
            await lockRun.ExecuteNonQueryAsync();
        }
        await WaitForAsync(async () => await db.ScalarAsync<long>("""
            SELECT count(*) FROM pg_stat_activity
             WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'UPDATE job_runs SET finished_at%'
            """) == 1);
        Assert.Equal(due, await db.ScalarAsync<long>("SELECT count(*) FROM payments WHERE session_id IS NOT NULL"));
        await cluster.Pg.CrashAsync();
        await Assert.ThrowsAnyAsync<Exception>(async () => await tx.CommitAsync());
        await hold.DisposeAsync();
        (await renew).Dispose();

        await cluster.RecoverAsync(db);
        await WaitForHealthyAsync(api);
        ResilienceReport.PostgresCrashes(1);
        await world.StandIn.SetFaultsAsync(new StandInFaults());
        var lost = await db.ListAsync<string>("SELECT reference_id FROM payments WHERE session_id IS NULL ORDER BY reference_id");
        // What survived is the WAL writer's timing (it wakes every 10 s here): lost links are made again, kept ones left alone.
        output.WriteLine($"link commits lost in the crash: {lost.Count} of {due}");
        Console.Error.WriteLine($"postgres crash: link batch commits lost: {lost.Count} of {due}");
        Assert.Equal(due, await db.ScalarAsync<long>("SELECT count(*) FROM payments"));

        await ProcessWorld.PostJsonAsync(api.Cron, "/api/billing/renew");
        Assert.Equal(due, await db.ScalarAsync<long>("SELECT count(*) FROM payments"));
        Assert.Equal(due, await db.ScalarAsync<long>("SELECT count(*) FROM payments WHERE session_id IS NOT NULL"));
        var links = world.StandIn.State.BySession.Values.GroupBy(p => p.ReferenceId).ToDictionary(g => g.Key, g => g.OrderBy(p => p.CreatedAt).ToList());
        Assert.All(lost, r => Assert.Equal(2, links[r].Count)); // made again, with the same reference
        Assert.Equal(due + lost.Count, world.StandIn.RequestCount("/api/v2/payment"));

        // The customers pay the first link they were sent — the one whose record the crash lost (or,
        // when every commit survived, still that link from iPaymu's record): matched by reference, settled once.
        var payers = lost.Count > 0 ? lost : [.. links.Keys.Order(StringComparer.Ordinal).Take(3)];
        foreach (var reference in payers)
        {
            var first = links[reference][0];
            lock (first)
            {
                world.StandIn.State.AssignTransaction(first);
                first.Status = 1;
                first.PaidAt = DateTimeOffset.UtcNow;
            }
            Assert.Equal(200, (await world.StandIn.Callbacks.DeliverAsync(world.StandIn.Callbacks.Build(first), CancellationToken.None)).StatusCode);
            Assert.Equal("paid", await db.ScalarAsync<string>("SELECT status FROM payments WHERE reference_id = $1", reference));
            Assert.Equal(first.TransactionId, await db.ScalarAsync<string>("SELECT transaction_id FROM payments WHERE reference_id = $1", reference));
        }
        Assert.Equal(payers.Count, await db.ScalarAsync<long>("SELECT count(*) FROM invoices WHERE status = 'paid'"));
        Assert.Equal(0, await db.ScalarAsync<long>("SELECT count(*) FROM payments WHERE oddity IS NOT NULL"));
        await world.AssertInvariantsAsync();
    }

    private static async Task AssertUnavailableAsync(HttpResponseMessage answer)
    {
        using (answer)
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, answer.StatusCode);
            var body = JsonDocument.Parse(await answer.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal("SERVICE_UNAVAILABLE", body.GetProperty("code").GetString());
        }
    }

    /// <summary>Health answers 200 again: the same process reconnected by itself.</summary>
    internal static async Task WaitForHealthyAsync(ApiProcess api) => await WaitForAsync(async () =>
    {
        using var res = await api.Http.GetAsync(new Uri("/api/billing/health", UriKind.Relative));
        return res.StatusCode == HttpStatusCode.OK;
    });

    internal static async Task WaitForAsync(Func<Task<bool>> condition, int seconds = 60)
    {
        var until = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < until, $"the condition did not come true within {seconds} s");
            await Task.Delay(50);
        }
    }
}
