using System.Globalization;
using BillingCycle.IPaymu.StandIn;
using BillingCycle.TestSupport;
using Xunit.Abstractions;

namespace BillingCycle.ProcessTests.Simulation;

/// <summary>
/// A seeded, deterministic year of billing against the API binary on the test clock: customers
/// pay at once, late, on a retry, never, or twice; callbacks are duplicated, delayed, reordered
/// or lost; iPaymu has outage days; the process is killed mid-job. The invariants are checked
/// after every simulated day, and a failure names the seed that reproduces it.
/// Large run: BILLING_SIM_SUBSCRIPTIONS=500 BILLING_SIM_SEED=7 (see README).
/// </summary>
public sealed class SimulationTests(ITestOutputHelper output)
{
    private static int Setting(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), CultureInfo.InvariantCulture, out var v) ? v : fallback;

    [Fact]
    public async Task A_seeded_year_of_billing_with_faults_keeps_every_invariant_every_day()
    {
        var seed = Setting("BILLING_SIM_SEED", 20261201);
        var subscriptions = Setting("BILLING_SIM_SUBSCRIPTIONS", 16);
        var months = Setting("BILLING_SIM_MONTHS", 12);
        var rng = new Random(seed);
        ResilienceReport.Scenario();

        await using var world = await ProcessWorld.StartAsync();
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        await SeedAsync(world.Db, rng, subscriptions);
        var sim = new Run(world, rng, output);
        await sim.StartAsync(start);

        var end = start.AddMonths(months);
        var day = 0;
        var elapsed = System.Diagnostics.Stopwatch.StartNew();
        for (var date = start; date < end; date = date.AddDays(1), day++)
        {
            try
            {
                await sim.PlayDayAsync(day, date);
                if (date.AddDays(1).Day == 1)
                {
                    // A large run takes many minutes: say where it is, live (stderr reaches the
                    // terminal as it is written; the test output only comes at the end).
                    Console.Error.WriteLine($"simulation: {date:yyyy-MM} done ({day + 1} days of {(end - start).Days}) after {elapsed.Elapsed:mm\\:ss}");
                }
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                File.WriteAllText("/tmp/sim-api.log", sim.ApiTailAll());
                File.WriteAllText("/tmp/sim-ss.txt", System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("ss", "-ltnp") { RedirectStandardOutput = true })!.StandardOutput.ReadToEnd());
                throw new Xunit.Sdk.XunitException(
                    $"simulation failed on {date:yyyy-MM-dd} (day {day}): {ex.Message} {ex.InnerException?.Message}\n" +
                    $"{ex.StackTrace}\nAPI on port {sim.ApiPort} exited: {sim.ApiExited}; its last lines:\n{sim.ApiTail()}\n" +
                    $"reproduce: BILLING_SIM_SEED={seed} BILLING_SIM_SUBSCRIPTIONS={subscriptions} BILLING_SIM_MONTHS={months} " +
                    "dotnet test tests/BillingCycle.ProcessTests -c Release --filter FullyQualifiedName~Simulation");
            }
        }

        // The day after: the next run reconciles what the last day left open, and iPaymu delivers
        // what it still had queued. Only then is "no money lost" fair to ask.
        await sim.FinishAsync(end);
        await world.AssertInvariantsAsync();

        var paid = await world.Db.ScalarAsync<long>("SELECT count(*) FROM invoices WHERE status = 'paid'");
        var dunned = await world.Db.ScalarAsync<long>("SELECT count(*) FROM subscriptions WHERE cancel_reason = 'Payment failed after 5 retry attempts'");
        var oddities = await world.Db.ScalarAsync<long>("SELECT count(*) FROM payments WHERE oddity IS NOT NULL");
        var invoices = await world.Db.ScalarAsync<long>("SELECT count(*) FROM invoices");
        output.WriteLine($"seed {seed}: {subscriptions} subscriptions x {months} months; {invoices} invoices, {paid} paid, " +
            $"{dunned} canceled by dunning, {oddities} oddities flagged; {sim.Crashes} crashes, {sim.Outages} outage days; " +
            $"callbacks {sim.Mail.Sent} sent, {sim.Mail.Lost} lost, {sim.Mail.Duplicated} duplicated, {sim.Mail.Delayed} delayed, {sim.Mail.Resent} resent");
        ResilienceReport.SubscriptionMonths((long)subscriptions * months);
        ResilienceReport.Faults(sim.Crashes + sim.Outages + sim.Mail.Lost + sim.Mail.Duplicated + sim.Mail.Delayed);

        // No money lost: every payment iPaymu took is recorded as paid (a second one as a flagged oddity).
        var takenByGateway = world.StandIn.State.BySession.Values.Where(p => p.Status == 1).Select(p => p.SessionId).ToArray();
        var unrecorded = await world.Db.ListAsync<string>(
            "SELECT reference_id || ' ' || status FROM payments WHERE session_id = ANY($1) AND status <> 'paid'", (object)takenByGateway);
        output.WriteLine($"plans: {string.Join(", ", sim.PlanCounts())}");
        Assert.True(unrecorded.Count == 0, $"payments iPaymu took but we did not record (seed {seed}): {string.Join(", ", unrecorded.Take(10))}");
        Assert.True(paid > 0 && invoices >= subscriptions, "the year billed and collected");
        Assert.Equal(0, sim.Mail.Pending);
    }

    /// <summary>Subscriptions anchored on every kind of day (28th-31st included), periods ending in January.</summary>
    private static async Task SeedAsync(TestDatabase db, Random rng, int count)
    {
        var plan = await Seed.PlanAsync(db, 149_000, interaction: 1_000, scraper: 500);
        for (var i = 1; i <= count; i++)
        {
            var anchor = new DateTimeOffset(2025, 12, 1 + rng.Next(31), rng.Next(24), rng.Next(60), 0, TimeSpan.Zero);
            var user = await Seed.UserAsync(db, $"sim{i:D5}");
            await Seed.SubscriptionAsync(db, user, plan, anchor, anchor, anchor.AddMonths(1));
        }
    }

    /// <summary>The simulated world's moving parts: the API process (restarted after crashes), customers, mail.</summary>
    private sealed class Run(ProcessWorld world, Random rng, ITestOutputHelper output)
    {
        private readonly Dictionary<string, Behaviour> _plans = [];
        private readonly HashSet<string> _handled = [];
        private ApiProcess _api = null!;
        private DateTimeOffset _now;
        private int _armed;

        public Mailbox Mail { get; } = new(world.StandIn.Callbacks);
        public int Crashes { get; private set; }
        public string ApiExited => _api.HasExited ? $"yes, code {_api.ExitCode}" : "no";
        public int ApiPort => _api.Port;
        public IEnumerable<string> PlanCounts() => _plans.Values.GroupBy(p => p.ToString()).Select(g => $"{g.Key} x{g.Count()}");
        public string ApiTailAll() => string.Join('\n', _api.Output);
        public string ApiTail() => string.Join('\n', _api.Output.TakeLast(15));
        public int Outages { get; private set; }

        private Dictionary<string, string> Env() => new()
        {
            ["BILLING_TEST_CLOCK"] = _now.ToString("o", CultureInfo.InvariantCulture),
            // A short break so an outage day's open circuit does not spill into the next day's runs.
            ["IPaymu__BreakerBreakDuration"] = "00:00:01",
        };

        public async Task StartAsync(DateTimeOffset at)
        {
            _now = at;
            _api = await world.StartApiAsync(Env());
            world.StandIn.State.OnRequest = r =>
            {
                if (r.Path == "/api/v2/payment" && Interlocked.Exchange(ref _armed, 0) == 1)
                {
                    _api.KillHard(); // kill -9 while the API waits for iPaymu's answer
                }
            };
        }

        public async Task PlayDayAsync(int day, DateTimeOffset date)
        {
            var outage = rng.Next(100) < 3;
            if (rng.Next(100) < 4)
            {
                _armed = 1;
            }
            if (outage)
            {
                Outages++;
                await world.StandIn.SetFaultsAsync(new StandInFaults { Mode = "http500" });
            }
            await RunJobAsync(date.AddHours(2).AddSeconds(30), "/api/billing/renew");
            await RunJobAsync(date.AddHours(3).AddSeconds(30), "/api/billing/retry");
            _armed = 0;
            await CustomersActAsync(day);
            await Mail.DeliverDueAsync(rng, day);
            if (outage)
            {
                await world.StandIn.SetFaultsAsync(new StandInFaults());
                await Task.Delay(1_100); // real time: let the API's circuit breaker close
            }
            // After an outage day, open attempts could not be settled: judge staleness only on normal days.
            await world.AssertInvariantsAsync(outage ? null : _now);
        }

        public async Task FinishAsync(DateTimeOffset dayAfter)
        {
            _armed = 0;
            await RunJobAsync(dayAfter.AddHours(3).AddSeconds(30), "/api/billing/retry");
            await Mail.DeliverDueAsync(rng, 1_000_000); // everything still queued, however delayed
        }

        private async Task RunJobAsync(DateTimeOffset at, string path)
        {
            _now = at;
            await ProcessWorld.PostJsonAsync(_api.Cron, "/api/billing/test-clock", new { now = at.ToString("o", CultureInfo.InvariantCulture) });
            try
            {
                await ProcessWorld.PostJsonAsync(_api.Cron, path);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                if (!_api.ExitedWithin(TimeSpan.FromSeconds(10)))
                {
                    throw;
                }
                Crashes++;
                output.WriteLine($"{at:yyyy-MM-dd HH:mm}: API killed during {path}; restarting");
                _api = await world.StartApiAsync(Env(), _api.Port);
                await ProcessWorld.PostJsonAsync(_api.Cron, path);
            }
        }

        /// <summary>Each open payment link the service told a customer about is acted on once, per the invoice's drawn behaviour.</summary>
        private async Task CustomersActAsync(int day)
        {
            var open = await world.Db.ListAsync<string>("""
                SELECT p.session_id || '|' || p.invoice_id || '|' || p.attempt_number
                  FROM payments p JOIN invoices i ON i.id = p.invoice_id
                 WHERE p.status = 'pending' AND p.session_id IS NOT NULL
                 ORDER BY i.user_id, i.period_start, p.attempt_number -- not reference_id: its sequence number can skip after a crash
                """);
            foreach (var row in open)
            {
                var parts = row.Split('|');
                var (session, invoice, attempt) = (parts[0], parts[1], int.Parse(parts[2], CultureInfo.InvariantCulture));
                if (!_handled.Add(session))
                {
                    continue;
                }
                if (!_plans.TryGetValue(invoice, out var plan))
                {
                    _plans[invoice] = plan = Behaviour.Draw(rng);
                }
                switch (plan)
                {
                    case Behaviour.PayAtOnce:
                        Mail.Post(rng, day, Pay(session));
                        break;
                    case Behaviour.PayLate:
                        Mail.Post(rng, day, Pay(session), late: true);
                        break;
                    case Behaviour.PayOnRetry r when attempt > r.Failures:
                        Mail.Post(rng, day, Pay(session));
                        break;
                    case Behaviour.PayTwice when attempt >= 2:
                        var first = await world.Db.ScalarAsync<string>(
                            "SELECT session_id FROM payments WHERE invoice_id = $1::uuid AND attempt_number = 1", invoice);
                        Mail.Post(rng, day, Pay(session));
                        Mail.Post(rng, day, Pay(first)); // the old, expired link paid as well
                        break;
                }
            }
        }

        private SignedCallback Pay(string session)
        {
            var p = world.StandIn.State.BySession[session];
            lock (p)
            {
                world.StandIn.State.AssignTransaction(p);
                p.Status = 1;
                p.PaidAt ??= DateTimeOffset.UtcNow;
            }
            return world.StandIn.Callbacks.Build(p);
        }
    }
}
