using System.Text.Json;

namespace BillingCycle.ProcessTests;

/// <summary>
/// The figures the fault, abuse and simulation suite reports at the end of a test run:
/// written to .local/test-results/resilience-report.json, printed by scripts/test.sh.
/// </summary>
public static class ResilienceReport
{
    private static readonly Lock Gate = new();
    private static readonly List<string> Simulations = [];
    private static long _scenarios, _faults, _badInputs, _subscriptionMonths, _violations, _invariantChecks, _postgresCrashes;

    public static void Scenario() => Add(ref _scenarios, 1);
    public static void Faults(long n) => Add(ref _faults, n);
    public static void BadInputs(long n) => Add(ref _badInputs, n);
    public static void SubscriptionMonths(long n) => Add(ref _subscriptionMonths, n);
    /// <summary>PostgreSQL itself stopped as a crash does (immediate stop, kill -9 of the postmaster) and the service came back: a fault, and its own figure.</summary>
    public static void PostgresCrashes(long n)
    {
        Add(ref _postgresCrashes, n);
        Add(ref _faults, n);
    }

    /// <summary>A simulated run's figures (seed, size, faults, time), printed on the resilience line.</summary>
    public static void Simulation(string figures)
    {
        lock (Gate)
        {
            Simulations.Add(figures);
        }
        Add(ref _scenarios, 0);
    }

    public static void Checked(int violations)
    {
        Add(ref _invariantChecks, 1);
        Add(ref _violations, violations);
    }

    private static void Add(ref long field, long n)
    {
        lock (Gate)
        {
            field += n;
            var path = Path.Combine(BillingCycle.TestSupport.DedicatedPostgres.RepoRoot(), ".local", "test-results", "resilience-report.json");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, JsonSerializer.Serialize(new
            {
                scenarios_run = _scenarios,
                faults_injected = _faults,
                bad_inputs_tried = _badInputs,
                simulated_subscription_months = _subscriptionMonths,
                invariant_checks = _invariantChecks,
                invariant_violations = _violations,
                postgres_crashes_survived = _postgresCrashes,
                simulations = Simulations,
            }));
        }
    }
}
