using BillingCycle.Api.Jobs;
using BillingCycle.Api.Scheduling;
using BillingCycle.IntegrationTests.Infrastructure;
using BillingCycle.IPaymu.StandIn;
using BillingCycle.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace BillingCycle.IntegrationTests.Scheduling;

/// <summary>
/// No occurrence is skipped, whatever holds the job's lock when it comes (contract §7.9): once the
/// lock is free the occurrence runs, unless the run that held it covers it (job_runs.covers). One
/// test per holder; the billing clock is the fake one and only the lock's retry pause is real time.
/// </summary>
public sealed class HeldLockTests : IAsyncLifetime
{
    private static readonly ClerkTokens Tokens = new();
    private TestDatabase _db = null!;
    private StandInHost _standIn = null!;
    private readonly List<ApiFactory> _apps = [];

    public async Task InitializeAsync()
    {
        _db = await PostgresServer.CreateDatabaseAsync();
        _standIn = await StandInHost.StartAsync();
        // Yesterday's occurrences ran: start-up has nothing to catch up.
        await _db.ExecAsync("""
            INSERT INTO job_runs (job, trigger, started_at, finished_at, status, scheduled_for, covers)
            VALUES ('renewal', 'schedule', $1, $1, 'succeeded', $1, tstzrange(NULL, $1, '(]')),
                   ('retry', 'schedule', $2, $2, 'succeeded', $2, tstzrange(NULL, $2, '(]'))
            """, At(1, 2).AddDays(-1).UtcDateTime, At(1, 3).AddDays(-1).UtcDateTime);
    }

    public async Task DisposeAsync()
    {
        foreach (var app in _apps)
        {
            await app.DisposeAsync();
        }
        await _standIn.DisposeAsync();
        await _db.DisposeAsync();
    }

    private static DateTimeOffset At(int day, int hour, int minute = 0) => new(2026, 11, day, hour, minute, 0, TimeSpan.Zero);

    private async Task<BillingScheduler> StartAppAsync(FakeTimeProvider clock)
    {
        var app = new ApiFactory(_db, Tokens, new Dictionary<string, string?>
        {
            ["BILLING_SCHEDULER_ENABLED"] = "true",
            ["IPAYMU_BASE_URL"] = _standIn.BaseUrl.ToString().TrimEnd('/'),
        }, clock);
        _apps.Add(app);
        _ = app.Server;
        var scheduler = app.Services.GetRequiredService<BillingScheduler>();
        Assert.True(await Eventually.TrueAsync(() => Task.FromResult(scheduler.WaitingFor(BillingJob.Renewal) is not null)));
        return scheduler;
    }

    /// <summary>A subscription due on day 1 whose payment request iPaymu answers slowly: a renewal run that lasts.</summary>
    private async Task SlowRenewalAsync(int latencyMs)
    {
        var user = await Seed.UserAsync(_db);
        var plan = await Seed.PlanAsync(_db);
        await Seed.SubscriptionAsync(_db, user, plan, At(1, 0).AddMonths(-1), At(1, 0).AddMonths(-1), At(1, 0));
        await _standIn.SetFaultsAsync(new StandInFaults { LatencyMs = latencyMs, PathPrefix = "/api/v2/payment" });
    }

    private Task<long> LiveRunsForAsync(DateTimeOffset occurrence) => _db.ScalarAsync<long>(
        "SELECT count(*) FROM job_runs WHERE job = 'renewal' AND scheduled_for = $1 AND status IN ('succeeded', 'completed_with_errors')",
        occurrence.UtcDateTime);

    /// <summary>Every renewal occurrence from day 1 to <paramref name="lastDay"/> is covered by exactly one live run.</summary>
    private async Task AssertEachCoveredOnceAsync(int lastDay)
    {
        for (var day = 1; day <= lastDay; day++)
        {
            Assert.Equal(1, await _db.ScalarAsync<long>(
                "SELECT count(*) FROM job_runs WHERE job = 'renewal' AND status <> 'abandoned' AND covers @> $1::timestamptz",
                At(day, 2).UtcDateTime));
        }
    }

    /// <summary>The lock held on a session of its own (no pool), as another instance holds it.</summary>
    private async Task<NpgsqlConnection> HoldLockAsync()
    {
        var holder = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(_db.ConnectionString) { Pooling = false }.ConnectionString);
        await holder.OpenAsync();
        await using var take = new NpgsqlCommand("SELECT pg_advisory_lock($1)", holder);
        take.Parameters.Add(new() { Value = BillingJob.Renewal.LockKey() });
        await take.ExecuteNonQueryAsync();
        return holder;
    }

    [Fact]
    public async Task An_operators_run_that_started_before_the_occurrence_and_held_the_lock_past_it_does_not_cover_it()
    {
        await SlowRenewalAsync(3_000);
        var clock = new FakeTimeProvider(At(1, 1, 58));
        var scheduler = await StartAppAsync(clock);
        var runner = _apps[0].Services.GetRequiredService<JobRunner>();

        var http = runner.TryRunAsync(BillingJob.Renewal, JobTrigger.Http);
        Assert.True(await Eventually.TrueAsync(async () =>
            await _db.ScalarAsync<long>("SELECT count(*) FROM job_runs WHERE trigger = 'http' AND status = 'running'") == 1));
        clock.SetUtcNow(At(1, 2, 1));

        Assert.Equal("succeeded", (await http)!.Status);
        Assert.Equal(1, await Eventually.ValueAsync(() => LiveRunsForAsync(At(1, 2)), n => n == 1));
        Assert.False(await _db.ScalarAsync<bool>(
            "SELECT covers @> $1::timestamptz FROM job_runs WHERE trigger = 'http'", At(1, 2).UtcDateTime));
        Assert.True(await Eventually.TrueAsync(() => Task.FromResult(scheduler.WaitingFor(BillingJob.Renewal) == At(2, 2))));
        await AssertEachCoveredOnceAsync(1);
    }

    [Fact]
    public async Task A_run_that_started_after_the_occurrence_while_it_waited_covers_it_and_it_is_not_run_twice()
    {
        var clock = new FakeTimeProvider(At(1, 1, 59));
        var scheduler = await StartAppAsync(clock);

        // A late loop, or an operator's run, takes the lock just after 02:00 and records its run:
        // it covers 02:00, so the waiting occurrence has nothing left to do once the lock is free.
        await using (var holder = await HoldLockAsync())
        {
            clock.SetUtcNow(At(1, 2, 1));
            await _db.ExecAsync("""
                INSERT INTO job_runs (job, trigger, started_at, finished_at, status, covers)
                VALUES ('renewal', 'http', $1, $1, 'succeeded', tstzrange($2, $1, '(]'))
                """, At(1, 2, 1).UtcDateTime, At(1, 2).AddDays(-1).UtcDateTime);
            await Task.Delay(600); // real time: the loop tries the lock at least twice meanwhile
            Assert.Equal(0, await LiveRunsForAsync(At(1, 2)));
            Assert.Equal(At(1, 2), scheduler.WaitingFor(BillingJob.Renewal));
            await using var release = new NpgsqlCommand("SELECT pg_advisory_unlock($1)", holder);
            release.Parameters.Add(new() { Value = BillingJob.Renewal.LockKey() });
            await release.ExecuteNonQueryAsync();
        }

        Assert.True(await Eventually.TrueAsync(() => Task.FromResult(scheduler.WaitingFor(BillingJob.Renewal) == At(2, 2))));
        Assert.Equal(0, await LiveRunsForAsync(At(1, 2)));
        Assert.Equal(1, await _db.ScalarAsync<long>("SELECT count(*) FROM job_runs WHERE job = 'renewal' AND started_at > $1", At(1, 0).UtcDateTime));
        await AssertEachCoveredOnceAsync(1);
    }

    [Fact]
    public async Task A_long_run_that_outlasts_the_next_occurrence_is_followed_by_that_occurrence_not_the_one_after()
    {
        await SlowRenewalAsync(3_000);
        var clock = new FakeTimeProvider(At(1, 1, 59));
        var a = await StartAppAsync(clock);
        var b = await StartAppAsync(clock);

        clock.SetUtcNow(At(1, 2, 1));
        Assert.True(await Eventually.TrueAsync(async () =>
            await _db.ScalarAsync<long>("SELECT count(*) FROM job_runs WHERE job = 'renewal' AND status = 'running'") == 1));
        clock.SetUtcNow(At(2, 2, 1)); // day 2's 02:00 comes while day 1's run still holds the lock

        Assert.Equal(1, await Eventually.ValueAsync(() => LiveRunsForAsync(At(2, 2)), n => n == 1, 30_000));
        Assert.Equal(1, await LiveRunsForAsync(At(1, 2)));
        Assert.True(await Eventually.TrueAsync(() => Task.FromResult(
            a.WaitingFor(BillingJob.Renewal) == At(3, 2) && b.WaitingFor(BillingJob.Renewal) == At(3, 2))));
        await AssertEachCoveredOnceAsync(2);
    }

    [Fact]
    public async Task An_instance_that_died_holding_the_lock_mid_run_leaves_its_occurrence_to_be_run_again()
    {
        var clock = new FakeTimeProvider(At(1, 1, 59));
        var scheduler = await StartAppAsync(clock);

        // The other instance took 02:00, recorded its run and died mid-run (its session still open).
        var holder = await HoldLockAsync();
        var pid = holder.ProcessID;
        await _db.ExecAsync("""
            INSERT INTO job_runs (job, trigger, started_at, scheduled_for, covers)
            VALUES ('renewal', 'schedule', $1, $2, tstzrange($3, $1, '(]'))
            """, At(1, 2).AddSeconds(1).UtcDateTime, At(1, 2).UtcDateTime, At(1, 2).AddDays(-1).UtcDateTime);
        clock.SetUtcNow(At(1, 2, 1));
        await Task.Delay(600); // real time: the loop finds the lock held meanwhile
        Assert.Equal(0, await LiveRunsForAsync(At(1, 2)));
        await _db.ExecAsync("SELECT pg_terminate_backend($1)", pid); // PostgreSQL ends the dead process's session
        try
        {
            await holder.DisposeAsync();
        }
        catch (NpgsqlException)
        {
            // Its session is gone already.
        }

        Assert.Equal(1, await Eventually.ValueAsync(() => LiveRunsForAsync(At(1, 2)), n => n == 1));
        Assert.Equal("abandoned", await _db.ScalarAsync<string>(
            "SELECT status FROM job_runs WHERE job = 'renewal' AND scheduled_for = $1 ORDER BY started_at LIMIT 1", At(1, 2).UtcDateTime));
        Assert.True(await Eventually.TrueAsync(() => Task.FromResult(scheduler.WaitingFor(BillingJob.Renewal) == At(2, 2))));
        await AssertEachCoveredOnceAsync(1);
    }
}
