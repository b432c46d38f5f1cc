using BillingCycle.TestSupport;
using System.Net;
using System.Text.Json;
using BillingCycle.IntegrationTests.Infrastructure;
using BillingCycle.IPaymu.StandIn;

namespace BillingCycle.IntegrationTests.Billing;

public sealed class RenewalConcurrencyTests : IAsyncLifetime
{
    private BillingHarness _h = null!;

    // A short breaker: the outage test waits out a break in real time (transport time, not business time).
    public async Task InitializeAsync() => _h = await BillingHarness.StartAsync(new() { ["IPaymu:BreakerBreakDuration"] = "00:00:00.500" });

    public async Task DisposeAsync() => await _h.DisposeAsync();

    private async Task SeedDueAsync(int count)
    {
        var plan = await Seed.PlanAsync(_h.Db);
        await _h.Db.ExecAsync("""
            INSERT INTO users (id, email, full_name, phone)
            SELECT 'bulk_' || g, 'bulk_' || g || '@example.com', 'Bulk ' || g, '0812' || lpad(g::text, 7, '0') FROM generate_series(1, $1) g
            """, count);
        await _h.Db.ExecAsync("""
            INSERT INTO subscriptions (user_id, plan_id, billing_anchor, current_period_start, current_period_end)
            SELECT 'bulk_' || g, $2, timestamptz '2026-10-01 00:00Z', timestamptz '2026-10-01 00:00Z', timestamptz '2026-11-01 00:00Z'
              FROM generate_series(1, $1) g
            """, count, plan);
    }

    [Fact]
    public async Task Ten_concurrent_renew_calls_on_two_instances_bill_500_subscriptions_exactly_once()
    {
        await SeedDueAsync(500);
        await using var second = _h.SecondInstance();
        var calls = Enumerable.Range(0, 10).Select(i => (i % 2 == 0 ? _h.Api : second).Cron().PostAsync("/api/billing/renew", null));

        var answers = await Task.WhenAll(calls);

        Assert.All(answers, a => Assert.True(a.StatusCode is HttpStatusCode.OK or HttpStatusCode.Conflict, a.StatusCode.ToString()));
        foreach (var refused in answers.Where(a => a.StatusCode == HttpStatusCode.Conflict))
        {
            Assert.Contains("JOB_ALREADY_RUNNING", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        var processed = 0;
        foreach (var ok in answers.Where(a => a.StatusCode == HttpStatusCode.OK))
        {
            processed += JsonDocument.Parse(await ok.Content.ReadAsStringAsync()).RootElement.GetProperty("processed").GetInt32();
        }
        // Anything left by runs that were refused is picked up by one more run.
        processed += (await _h.RenewAsync()).GetProperty("processed").GetInt32();

        Assert.Equal(500, processed);
        Assert.Equal(500, await _h.Db.ScalarAsync<long>("SELECT count(*) FROM invoices"));
        Assert.Equal(500, await _h.Db.ScalarAsync<long>("SELECT count(DISTINCT subscription_id) FROM invoices"));
        Assert.Equal(500, await _h.Db.ScalarAsync<long>("SELECT count(*) FROM payments WHERE session_id IS NOT NULL"));
        Assert.Equal(500, _h.StandIn.RequestCount("/api/v2/payment"));
        Assert.Equal(500, await _h.Db.ScalarAsync<long>("SELECT count(*) FROM notifications WHERE type = 'billing_payment_due'"));
        Assert.Equal(0, await _h.Db.ScalarAsync<long>("SELECT count(*) FROM job_runs WHERE status = 'running'"));
    }

    [Fact]
    public async Task Runs_that_slip_past_the_job_lock_still_cannot_create_a_second_invoice()
    {
        var (sub, _) = await _h.DueSubscriptionAsync();
        var run = await _h.Db.ScalarAsync<Guid>(
            "INSERT INTO job_runs (job, trigger, started_at) VALUES ('renewal', 'http', now()) RETURNING id");
        var attempts = Enumerable.Range(0, 10).Select(_ => _h.Db.ScalarAsync<string>("""
            SELECT outcome FROM billing_renew_subscription($1, '2026-11-01 00:00Z', '2026-12-01 00:00Z', $2, '2026-11-01 02:00Z')
            """, sub, run));

        var outcomes = await Task.WhenAll(attempts);

        Assert.Equal(1, outcomes.Count(o => o == "created"));
        Assert.Equal(9, outcomes.Count(o => o is "already_invoiced" or "not_due"));
        Assert.Equal(1, await _h.Db.ScalarAsync<long>("SELECT count(*) FROM invoices"));
        Assert.Equal(1, await _h.Db.ScalarAsync<long>("SELECT count(*) FROM payments"));
    }

    [Fact]
    public async Task With_iPaymu_down_every_result_is_deferred_and_nobody_is_past_due_then_the_next_run_creates_the_payments()
    {
        await SeedDueAsync(20);
        await _h.StandIn.SetFaultsAsync(new StandInFaults { Mode = "http500" });

        var down = await _h.RenewAsync();

        Assert.Equal(20, down.GetProperty("summary").GetProperty("deferred").GetInt32());
        Assert.Single(down.GetProperty("summary").EnumerateObject());
        Assert.Equal(0, await _h.Db.ScalarAsync<long>("SELECT count(*) FROM subscriptions WHERE status <> 'active'"));
        Assert.Equal(0, await _h.Db.ScalarAsync<long>("SELECT count(*) FROM payment_retries"));
        Assert.Equal(20, await _h.Db.ScalarAsync<long>("SELECT count(*) FROM invoices WHERE status = 'pending'"));
        Assert.Equal(0, await _h.Db.ScalarAsync<long>("SELECT count(*) FROM payments WHERE session_id IS NOT NULL"));
        Assert.Equal(0, await _h.Db.ScalarAsync<long>("SELECT count(*) FROM notifications"));
        Assert.Equal(20, await _h.Db.ScalarAsync<long>("SELECT (counts->'summary'->>'deferred')::bigint FROM job_runs"));

        await _h.StandIn.SetFaultsAsync(new StandInFaults());
        await Task.Delay(700); // let the circuit breaker, opened by the outage, half-open
        var back = await _h.RenewAsync();

        Assert.Equal(20, back.GetProperty("summary").GetProperty("pending_payment").GetInt32());
        Assert.Equal(20, back.GetProperty("reconciliation").GetProperty("payments_recreated").GetInt32());
        Assert.Equal(20, await _h.Db.ScalarAsync<long>("SELECT count(*) FROM invoices"));
        Assert.Equal(20, await _h.Db.ScalarAsync<long>("SELECT count(*) FROM payments WHERE session_id IS NOT NULL"));
        Assert.Equal(20, await _h.Db.ScalarAsync<long>("SELECT count(*) FROM payments"));
        Assert.Equal(20, await _h.Db.ScalarAsync<long>("SELECT count(*) FROM notifications WHERE type = 'billing_payment_due'"));
    }

    [Fact]
    public async Task A_crash_between_the_invoice_and_the_iPaymu_call_is_finished_by_the_next_run()
    {
        var (sub, user) = await _h.DueSubscriptionAsync();
        // The crashed process: its run row stays 'running', its invoice and attempt exist, iPaymu was never asked.
        var crashed = await _h.Db.ScalarAsync<Guid>(
            "INSERT INTO job_runs (job, trigger, started_at) VALUES ('renewal', 'schedule', '2026-11-01 02:00Z') RETURNING id");
        Assert.Equal("created", await _h.Db.ScalarAsync<string>("""
            SELECT outcome FROM billing_renew_subscription($1, '2026-11-01 00:00Z', '2026-12-01 00:00Z', $2, '2026-11-01 02:00Z')
            """, sub, crashed));

        var answer = await _h.RenewAsync();

        Assert.Equal(1, answer.GetProperty("summary").GetProperty("pending_payment").GetInt32());
        Assert.Equal("abandoned", await _h.Db.ScalarAsync<string>("SELECT status FROM job_runs WHERE id = $1", crashed));
        Assert.Equal(1, await _h.Db.ScalarAsync<long>("SELECT count(*) FROM invoices"));
        Assert.Equal(1, await _h.Db.ScalarAsync<long>("SELECT count(*) FROM payments WHERE session_id IS NOT NULL"));
        Assert.Equal(1, _h.StandIn.RequestCount("/api/v2/payment"));
        Assert.Equal(1, await _h.Db.ScalarAsync<long>("SELECT count(*) FROM notifications WHERE user_id = $1 AND type = 'billing_payment_due'", user));
    }
}
