using BillingCycle.TestSupport;
using Npgsql;

namespace BillingCycle.ProcessTests;

/// <summary>
/// kill -9 at each point of a renewal page's life: while the page's transaction waits,
/// after it committed and before any iPaymu answer, in the middle of its calls, and while a batch
/// of answers is being recorded. Each time the next run finishes the day once: one invoice, one
/// attempt, one link and one "payment due" notification per subscription, and iPaymu asked again
/// for at most the links that were made but not recorded (the gateway slots).
/// </summary>
public sealed class RenewalPageCrashTests
{
    private const int Due = 1_200; // pages of 500, 500 and 200
    private static readonly Dictionary<string, string> Env = new() { ["BILLING_TEST_CLOCK"] = "2026-11-01T02:00:00Z" };

    [Fact]
    public async Task Kill_9_while_the_first_page_transaction_waits_then_the_next_run_renews_everyone_once() =>
        // A SHARE lock on events makes the page's invoice INSERT (its events trigger) wait, before it commits.
        await KillWhileWaitingAsync("events", "billing_renew_page");

    [Fact]
    public async Task Kill_9_after_the_page_committed_before_any_iPaymu_answer_then_the_next_run_makes_every_link_once() =>
        await KillAtRequestAsync(1);

    [Fact]
    public async Task Kill_9_in_the_middle_of_a_page_of_iPaymu_calls_then_the_next_run_makes_the_rest_once() =>
        await KillAtRequestAsync(300);

    [Fact]
    public async Task Kill_9_while_a_batch_of_answers_is_being_recorded_then_the_next_run_records_every_link_once() =>
        // A SHARE lock on notifications makes the batch that records links and their notifications wait.
        await KillWhileWaitingAsync("notifications", "billing_attach_sessions");

    private static async Task KillWhileWaitingAsync(string table, string function)
    {
        await using var world = await StartAsync();
        await using var hold = await world.Db.DataSource.OpenConnectionAsync();
        await using var tx = await hold.BeginTransactionAsync();
        await CrashAndFinishAsync(world, async api =>
        {
            await WaitForBackendAsync(world, function);
            api.KillHard();
            await tx.RollbackAsync();
        }, beforeRenew: async _ =>
        {
            await using var lockTable = new NpgsqlCommand($"LOCK TABLE {table} IN SHARE MODE", hold, tx);
            await lockTable.ExecuteNonQueryAsync();
        });
    }

    private static async Task KillAtRequestAsync(int n)
    {
        await using var world = await StartAsync();
        var reached = new TaskCompletionSource();
        var requests = 0;
        ApiProcess? api = null;
        world.StandIn.State.OnRequest = r =>
        {
            if (r.Path == "/api/v2/payment" && Interlocked.Increment(ref requests) == n)
            {
                api!.KillHard();
                reached.TrySetResult();
            }
        };
        await CrashAndFinishAsync(world, async _ =>
        {
            await reached.Task.WaitAsync(TimeSpan.FromMinutes(2));
            world.StandIn.State.OnRequest = null;
        }, beforeRenew: started =>
        {
            api = started;
            return Task.CompletedTask;
        });
    }

    private static async Task<ProcessWorld> StartAsync()
    {
        ResilienceReport.Scenario();
        var world = await ProcessWorld.StartAsync();
        await world.SeedDueAsync(Due);
        return world;
    }

    /// <summary>Starts the API, asks for a renewal, crashes it with <paramref name="crash"/>, restarts it and renews again.</summary>
    private static async Task CrashAndFinishAsync(ProcessWorld world, Func<ApiProcess, Task> crash, Func<ApiProcess, Task> beforeRenew)
    {
        var api = await world.StartApiAsync(Env);
        await beforeRenew(api);
        var renew = ProcessWorld.PostJsonAsync(api.Cron, "/api/billing/renew");
        await crash(api);
        await Assert.ThrowsAnyAsync<Exception>(() => renew);
        ResilienceReport.Faults(1);
        Assert.Equal("running", await world.Db.ScalarAsync<string>("SELECT status FROM job_runs"));
        var crashed = await world.Db.ScalarAsync<Guid>("SELECT id FROM job_runs");
        Assert.InRange(await world.Db.ScalarAsync<long>("SELECT count(*) FROM payments WHERE session_id IS NOT NULL"), 0, Due - 1);

        await using var restarted = await world.StartApiAsync(Env, api.Port);
        await ProcessWorld.PostJsonAsync(restarted.Cron, "/api/billing/renew");

        // The crashed run by its id: on the frozen test clock both runs start at the same instant.
        Assert.Equal("abandoned", await world.Db.ScalarAsync<string>("SELECT status FROM job_runs WHERE id = $1", crashed));
        Assert.Equal(Due, await world.Db.ScalarAsync<long>("SELECT count(*) FROM invoices"));
        Assert.Equal(Due, await world.Db.ScalarAsync<long>("SELECT count(DISTINCT subscription_id) FROM invoices"));
        Assert.Equal(Due, await world.Db.ScalarAsync<long>("SELECT count(*) FROM payments"));
        Assert.Equal(Due, await world.Db.ScalarAsync<long>("SELECT count(*) FROM payments WHERE session_id IS NOT NULL"));
        Assert.Equal(Due, await world.Db.ScalarAsync<long>("SELECT count(*) FROM notifications WHERE type = 'billing_payment_due'"));
        Assert.Equal(Due, await world.Db.ScalarAsync<long>("SELECT count(DISTINCT user_id) FROM notifications WHERE type = 'billing_payment_due'"));
        // Asked again: at most the links made but not recorded at the kill, which the slots bound (8).
        Assert.InRange(world.StandIn.RequestCount("/api/v2/payment"), Due, Due + 8);
        await world.AssertInvariantsAsync();
    }

    /// <summary>Waits until a backend running <paramref name="function"/> waits on a lock.</summary>
    private static async Task WaitForBackendAsync(ProcessWorld world, string function)
    {
        var until = DateTime.UtcNow.AddMinutes(2);
        while (await world.Db.ScalarAsync<long>("""
            SELECT count(*) FROM pg_stat_activity
             WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%' || $1 || '%'
            """, function) == 0)
        {
            Assert.True(DateTime.UtcNow < until, $"no backend waited in {function}");
            await Task.Delay(50);
        }
    }
}
