using System.Globalization;
using BillingCycle.TestSupport;
using Xunit.Abstractions;

namespace BillingCycle.ProcessTests.Simulation;

/// <summary>
/// One rule was a count per paid invoice over an unindexed ledger, and a 500-subscription
/// year spent most of its 24 minutes in it. Here every rule is timed on a generated history of
/// 100,000 invoices (BILLING_INVARIANT_SUBSCRIPTIONS × 12 months; 8,334 by default): over the
/// whole history, and over one day's changes as the simulation checks them. The bounds are loose
/// (the machine is shared) but far below what a per-row scan of the history costs at this size.
/// </summary>
public sealed class InvariantScaleTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Every_rule_over_100000_invoices_takes_milliseconds()
    {
        var subscriptions = int.TryParse(Environment.GetEnvironmentVariable("BILLING_INVARIANT_SUBSCRIPTIONS"), CultureInfo.InvariantCulture, out var n) ? n : 8_334;
        await using var db = await PostgresServer.CreateDatabaseAsync();
        var started = System.Diagnostics.Stopwatch.StartNew();
        // Installed first, so the plan-change and grant logs hold the generated history's (the plan
        // rules read them); what it noted while writing is emptied before the day below.
        await InvariantChangeLog.InstallAsync(db.DataSource);
        await GeneratedHistory.WriteAsync(db, subscriptions, months: 12);
        await InvariantChangeLog.TakeAsync(db.DataSource);
        await db.ExecAsync("ANALYZE");
        var invoices = await db.ScalarAsync<long>("SELECT count(*) FROM invoices");
        output.WriteLine($"generated {invoices:N0} invoices, {await db.ScalarAsync<long>("SELECT count(*) FROM credit_transactions"):N0} ledger rows, " +
                         $"{await db.ScalarAsync<long>("SELECT count(*) FROM invariant_plan_changes"):N0} plan changes in {started.Elapsed.TotalSeconds:F1} s");

        // One renewal day at this size: the subscriptions anchored on the 17th (1 in 28) get their
        // newest invoice, its attempts, grants, balances and callbacks written again.
        await db.ExecAsync("""
            CREATE TEMP TABLE day AS SELECT s.id, s.user_id FROM subscriptions s WHERE extract(day FROM s.billing_anchor) = 17;
            UPDATE subscriptions SET updated_at = updated_at WHERE id IN (SELECT id FROM day);
            UPDATE invoices i SET updated_at = i.updated_at
             WHERE (i.subscription_id, i.period_start) IN (SELECT subscription_id, max(period_start) FROM invoices WHERE subscription_id IN (SELECT id FROM day) GROUP BY 1);
            UPDATE payments p SET updated_at = p.updated_at FROM invoices i
             WHERE i.id = p.invoice_id AND i.subscription_id IN (SELECT id FROM day)
               AND i.period_start = (SELECT max(period_start) FROM invoices x WHERE x.subscription_id = i.subscription_id);
            UPDATE credit_balances SET updated_at = updated_at WHERE user_id IN (SELECT user_id FROM day);
            UPDATE credit_transactions t SET description = t.description
             WHERE t.user_id IN (SELECT user_id FROM day) AND t.created_at >= (SELECT max(x.created_at) - interval '1 day' FROM credit_transactions x WHERE x.user_id = t.user_id);
            UPDATE webhook_events e SET processed_at = e.processed_at FROM payments p JOIN invoices i ON i.id = p.invoice_id
             WHERE e.reference_id = p.reference_id AND i.subscription_id IN (SELECT id FROM day)
               AND i.period_start = (SELECT max(period_start) FROM invoices x WHERE x.subscription_id = i.subscription_id);
            """);
        var day = await InvariantChangeLog.TakeAsync(db.DataSource);
        output.WriteLine($"one day's changes: {day.Invoices.Length} invoices, {day.Subscriptions.Length} subscriptions, {day.Users.Length} users, {day.Events.Length} callbacks");

        Assert.Empty(await InvariantChecker.CheckAsync(db.DataSource));
        Assert.Empty(await InvariantChecker.CheckAsync(db.DataSource, day));
        var whole = await InvariantChecker.TimeAsync(db.DataSource, null, runs: 3);
        var changed = await InvariantChecker.TimeAsync(db.DataSource, day, runs: 5);

        output.WriteLine($"{"rule",-80} {"whole history",14} {"one day",10}");
        for (var i = 0; i < whole.Count; i++)
        {
            output.WriteLine($"{whole[i].Rule,-80} {whole[i].Ms,11:F1} ms {changed[i].Ms,7:F1} ms");
        }
        output.WriteLine($"{"all rules",-80} {whole.Sum(w => w.Ms),11:F1} ms {changed.Sum(c => c.Ms),7:F1} ms");
        Assert.All(changed, c => Assert.True(c.Ms < 100, $"{c.Rule}: {c.Ms:F1} ms for one day's changes"));
        Assert.All(whole, w => Assert.True(w.Ms < 3_000, $"{w.Rule}: {w.Ms:F1} ms over the whole history"));
    }
}
