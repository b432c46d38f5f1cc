using System.Globalization;
using BillingCycle.IPaymu.StandIn;
using BillingCycle.TestSupport;
using Xunit.Abstractions;

namespace BillingCycle.ProcessTests.Simulation;

/// <summary>
/// A seeded, deterministic year of billing against two API processes on the test clock, with
/// their schedulers running the jobs: customers pay at once, late, on a retry, never, or twice;
/// callbacks are duplicated, delayed, reordered or lost; iPaymu has outage days; an instance is
/// killed mid-job. The invariants are checked after every simulated day (over what the day
/// changed) and at every month end (over the whole history); a failure names the seed and day.
/// Defaults (840 × 12 = 10,080 subscription-months) are what CI runs; the long run is
/// BILLING_SIM_SUBSCRIPTIONS=5000 (see README).
/// </summary>
public sealed class SimulationTests(ITestOutputHelper output)
{
    private static int Setting(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), CultureInfo.InvariantCulture, out var v) ? v : fallback;

    [Fact]
    public async Task A_seeded_year_of_billing_with_faults_keeps_every_invariant_every_day()
    {
        var seed = Setting("BILLING_SIM_SEED", 20261201);
        var subscriptions = Setting("BILLING_SIM_SUBSCRIPTIONS", 840);
        var months = Setting("BILLING_SIM_MONTHS", 12);
        var pages = Environment.GetEnvironmentVariable("BILLING_RECONCILE_HISTORY_PAGES") is { Length: > 0 } historyPages ? $"BILLING_RECONCILE_HISTORY_PAGES={historyPages} " : "";
        var reproduce = $"reproduce: BILLING_SIM_SEED={seed} BILLING_SIM_SUBSCRIPTIONS={subscriptions} BILLING_SIM_MONTHS={months} {pages}" +
                        "dotnet test tests/BillingCycle.ProcessTests -c Release --filter FullyQualifiedName~SimulationTests";
        var rng = new Random(seed);
        var phases = new Phases();
        ResilienceReport.Scenario();

        await using var world = await ProcessWorld.StartAsync(o => o.HistoryByDate = true);
        await InvariantChangeLog.InstallAsync(world.Db.DataSource); // before the first row, so every change is seen
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        await SeedAsync(world.Db, rng, subscriptions);
        var instances = new Instances(world, output, phases);
        var mail = new Mailbox(instances.DeliverAsync);
        var customers = new Customers(world, mail, instances.DeliverAsync);
        var eve = start.AddDays(-1);
        await phases.TimeAsync("start", () => instances.StartAsync(eve.AddHours(3).AddSeconds(30), eve.AddHours(2), eve.AddHours(3)));

        var end = start.AddMonths(months);
        var days = (end - start).Days;
        var outages = 0;
        var day = 0;
        var elapsed = System.Diagnostics.Stopwatch.StartNew();
        for (var date = start; date < end; date = date.AddDays(1), day++)
        {
            try
            {
                var outage = rng.Next(100) < 3;
                if (rng.Next(100) < 4)
                {
                    instances.Arm();
                }
                if (outage)
                {
                    outages++;
                    await world.StandIn.SetFaultsAsync(new StandInFaults { Mode = "http500" });
                }
                await instances.RunScheduledAsync("renewal", "/api/billing/renew", date.AddHours(2));
                await instances.RunScheduledAsync("retry", "/api/billing/retry", date.AddHours(3));
                instances.Disarm();
                await phases.TimeAsync("customers", () => customers.ActAsync(rng, day));
                await phases.TimeAsync("callbacks", () => mail.DeliverDueAsync(rng, day));
                world.StandIn.State.Requests.Clear(); // counted by Instances; a long run would keep every body
                if (outage)
                {
                    await world.StandIn.SetFaultsAsync(new StandInFaults());
                }
                // After an outage day, open attempts could not be settled: judge staleness only on normal days.
                await phases.TimeAsync("checks (day)", async () =>
                {
                    var changed = await world.AssertChangedInvariantsAsync(outage ? null : date.AddHours(3).AddSeconds(30));
                    await AssertTakenByGatewayAsync(world, changed.Invoices);
                });
                if (date.AddDays(1).Day == 1)
                {
                    await phases.TimeAsync("checks (history)", () => world.AssertInvariantsAsync());
                    var invoices = await world.Db.ScalarAsync<long>("SELECT count(*) FROM invoices");
                    // Live on stderr (the test's own output only comes at the end).
                    Console.Error.WriteLine($"simulation: {date:yyyy-MM} done ({day + 1} days of {days}) after {phases.Elapsed:h\\:mm\\:ss}; " +
                                            $"{invoices:N0} invoices, {instances.Crashes} crashes, {outages} outage days");
                }
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                throw Failed($"on {date:yyyy-MM-dd} (day {day})", ex);
            }
        }

        // The day after: the next runs reconcile what the last day left open, and iPaymu delivers
        // what it still had queued. Only then is "no money lost" fair to ask.
        try
        {
            instances.Disarm();
            await instances.RunScheduledAsync("renewal", "/api/billing/renew", end.AddHours(2));
            await instances.RunScheduledAsync("retry", "/api/billing/retry", end.AddHours(3));
            await phases.TimeAsync("callbacks", () => mail.DeliverDueAsync(rng, 1_000_000)); // everything still queued, however delayed
            await phases.TimeAsync("checks (history)", async () =>
            {
                await world.AssertInvariantsAsync();
                await AssertTakenByGatewayAsync(world, (await world.Db.ListAsync<Guid>("SELECT id FROM invoices")).ToArray());
            });
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            throw Failed($"on {end:yyyy-MM-dd}, the day after (day {day})", ex);
        }

        Exception Failed(string when, Exception ex)
        {
            var message = $"simulation failed {when}, seed {seed}: {ex.Message} {ex.InnerException?.Message}\n{reproduce}";
            Console.Error.WriteLine(message);
            return new Xunit.Sdk.XunitException($"{message}\n{ex.StackTrace}\n{instances.Tails()}");
        }

        var paid = await world.Db.ScalarAsync<long>("SELECT count(*) FROM invoices WHERE status = 'paid'");
        var dunned = await world.Db.ScalarAsync<long>("SELECT count(*) FROM subscriptions WHERE cancel_reason = 'Payment failed after 5 retry attempts'");
        var oddities = await world.Db.ScalarAsync<long>("SELECT count(*) FROM payments WHERE oddity IS NOT NULL");
        var total = await world.Db.ScalarAsync<long>("SELECT count(*) FROM invoices");
        var figures = $"seed {seed}: {subscriptions} subscriptions x {months} months, 2 instances; {total} invoices, {paid} paid, " +
            $"{dunned} canceled by dunning, {oddities} oddities flagged; {instances.Crashes} crashes, {outages} outage days; " +
            $"callbacks {mail.Sent} sent, {mail.Lost} lost, {mail.Duplicated} duplicated, {mail.Delayed} delayed, {mail.Resent} resent, {customers.Forged} forged; " +
            $"{phases.Elapsed.TotalSeconds:F0} s";
        output.WriteLine(figures);
        output.WriteLine($"plans: {string.Join(", ", customers.PlanCounts())}");
        output.WriteLine($"time by phase: {phases}");
        output.WriteLine($"iPaymu requests: {instances.GatewayCalls}");
        output.WriteLine("callback outcomes: " + string.Join(", ", await world.Db.ListAsync<string>(
            "SELECT coalesce(outcome, '-') || ' ' || count(*) FROM webhook_events GROUP BY outcome ORDER BY outcome")));
        Console.Error.WriteLine($"simulation: {figures}\nsimulation: time by phase: {phases}");
        ResilienceReport.SubscriptionMonths((long)subscriptions * months);
        ResilienceReport.Faults(instances.Crashes + outages + mail.Lost + mail.Duplicated + mail.Delayed + customers.Forged);
        ResilienceReport.Simulation(figures);

        // No money lost: every payment iPaymu took is recorded as paid (a second one as a flagged oddity).
        var takenByGateway = world.StandIn.State.BySession.Values.Where(p => p.Status == 1).Select(p => p.SessionId).ToArray();
        var unrecorded = await world.Db.ListAsync<string>(
            "SELECT reference_id || ' ' || status FROM payments WHERE session_id = ANY($1) AND status <> 'paid'", (object)takenByGateway);
        Assert.True(unrecorded.Count == 0, $"payments iPaymu took but we did not record (seed {seed}): {string.Join(", ", unrecorded.Take(10))}\n{reproduce}");
        Assert.True(paid > 0 && total >= subscriptions, "the year billed and collected");
        Assert.Equal(0, mail.Pending);
        // Every occurrence was started by a scheduler, once (a killed run included), none by the catch-up or HTTP alone.
        Assert.Equal(2L * (days + 1), await world.Db.ScalarAsync<long>(
            "SELECT count(*) FROM job_runs WHERE trigger = 'schedule' AND job IN ('renewal', 'retry')"));
    }

    /// <summary>
    /// No money conjured: each payment of these invoices we hold as paid is one iPaymu took, with
    /// the transaction iPaymu gave it — a callback's word alone (a forged one) never pays.
    /// </summary>
    private static async Task AssertTakenByGatewayAsync(ProcessWorld world, Guid[] invoices)
    {
        var paid = await world.Db.ListAsync<string>(
            "SELECT session_id || '|' || coalesce(transaction_id, '') FROM payments WHERE invoice_id = ANY($1) AND status = 'paid'", (object)invoices);
        var conjured = paid.Select(p => p.Split('|'))
            .Where(p => !world.StandIn.State.BySession.TryGetValue(p[0], out var g) || g.Status != 1 || g.TransactionId != p[1])
            .Select(p => p[0]).ToList();
        ResilienceReport.Checked(conjured.Count == 0 ? 0 : 1);
        Assert.True(conjured.Count == 0, $"payments recorded as paid that iPaymu did not take: {string.Join(", ", conjured.Take(5))}");
    }

    /// <summary>Subscriptions anchored on every kind of day (28th-31st included), periods ending in January.</summary>
    private static async Task SeedAsync(TestDatabase db, Random rng, int count)
    {
        var plan = await Seed.PlanAsync(db, 149_000, interaction: 1_000, scraper: 500);
        var anchors = Enumerable.Range(0, count)
            .Select(_ => new DateTimeOffset(2025, 12, 1 + rng.Next(31), rng.Next(24), rng.Next(60), 0, TimeSpan.Zero))
            .ToArray();
        var (starts, ends) = (anchors.Select(a => a.UtcDateTime).ToArray(), anchors.Select(a => a.AddMonths(1).UtcDateTime).ToArray());
        await db.ExecAsync("""
            INSERT INTO users (id, email, full_name, phone)
            SELECT 'sim' || lpad(n::text, 5, '0'), 'sim' || lpad(n::text, 5, '0') || '@example.com', 'Putu Test', '08123456789'
              FROM generate_series(1, $1) n
            """, count);
        await db.ExecAsync("""
            INSERT INTO subscriptions (user_id, plan_id, billing_anchor, current_period_start, current_period_end)
            SELECT 'sim' || lpad(a.n::text, 5, '0'), $3, a.at, a.at, a.period_end
              FROM unnest($1::timestamptz[], $2::timestamptz[]) WITH ORDINALITY a(at, period_end, n)
            """, starts, ends, plan);
    }
}
