using System.Globalization;
using System.Text;
using System.Text.Json;

namespace BillingCycle.Bench;

/// <summary>
/// A target of the issue: its value, its bound, whether it was met, and what bounds the value (in
/// numbers); Value and Met are null when this run did not measure it (BoundedBy says why).
/// </summary>
public sealed record Target(string Name, double? Value, string Comparison, double Bound, bool? Met, string Unit, string? BoundedBy = null);

/// <summary>The bench's figures: a table on stdout and bench/results/latest.json with the same numbers.</summary>
public sealed class Report
{
    public required DateTimeOffset Started { get; init; }
    /// <summary>BENCH_QUICK=1: the figures check the bench; targets are shown, not judged.</summary>
    public bool Quick { get; init; }
    public double PgbenchTps { get; set; }
    public WrkResult? BaselineWrk { get; set; }
    public LoadResult? BaselineDriver { get; set; }
    public List<RenewalResult> Renewals { get; } = [];
    public MixedDayResult? MixedDay { get; set; }
    public StormResult? Storm { get; set; }
    public CreditsResult? Credits { get; set; }
    public ConsoleResult? Console { get; set; }
    public CreditsResult? HotRow { get; set; }
    public List<Target> Targets { get; } = [];
    /// <summary>Core-ms per request by process, per phase.</summary>
    public Dictionary<string, Dictionary<string, double>> CpuPerRequest { get; } = [];
    /// <summary>The costliest SQL per phase, from pg_stat_statements.</summary>
    public Dictionary<string, List<StatementCost>> TopStatements { get; } = [];

    public void Cpu(string phase, CpuSplit split, long requests) => CpuPerRequest[phase] = split.PerRequest(requests);
    public double TotalSeconds { get; set; }

    /// <summary>The machine's 1-minute load average at each phase's start: how quiet the run was.</summary>
    public List<LoadSample> LoadAverages { get; } = [];

    public void Judge(string name, double value, string comparison, double bound, string unit = "", string? boundedBy = null) =>
        Targets.Add(new Target(name, Math.Round(value, 3), comparison, Math.Round(bound, 3),
            comparison == ">=" ? value >= bound : value <= bound, unit, boundedBy));

    /// <summary>A target the bench cannot measure yet: shown and written with its reason, so a reader sees it was not met by omission.</summary>
    public void NotMeasured(string name, string comparison, double bound, string reason) =>
        Targets.Add(new Target(name, null, comparison, bound, null, "", reason));

    /// <summary>
    /// What CPU alone allows a workload next to its ceiling: on a CPU-bound machine a throughput ratio
    /// is the ceiling's core-ms per request over the workload's.
    /// </summary>
    public string? CpuBound(string phase, string baselinePhase)
    {
        if (!CpuPerRequest.TryGetValue(phase, out var w) || !CpuPerRequest.TryGetValue(baselinePhase, out var b) || w["total"] <= 0)
        {
            return null;
        }
        return string.Create(CultureInfo.InvariantCulture,
            $"CPU: {w["total"]:F2} core-ms a request (PostgreSQL {w["postgres"]:F2}, API {w["api"]:F2}, stand-in {w["ipaymu_stand_in"]:F2}) against the baseline's {b["total"]:F2}: {b["total"] / w["total"]:F3} x on CPU alone");
    }

    public string Table()
    {
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        if (Quick)
        {
            sb.AppendLine("QUICK RUN (BENCH_QUICK=1): short ceilings and small sizes. These figures check that the bench works; they are not results.");
        }
        sb.AppendLine(c, $"Ceilings (same run): pgbench {PgbenchTps:F0} tps (TPC-B-like, 8 clients); " +
            $"baseline INSERT endpoint {BaselineWrk?.PerSecond:F0} req/s via wrk at 64 conns, {BaselineDriver?.PerSecond:F0} req/s via the C# driver at 32 conns");
        sb.AppendLine();
        sb.AppendLine("Renewal day            size   latency     seconds   renewals/s   ms/sub   peak RSS MB");
        foreach (var r in Renewals)
        {
            sb.AppendLine(c, $"                   {r.Size,8} {r.GatewayLatencyMs,6} ms {r.Seconds,11:F1} {r.PerSecond,12:F0} {r.MsPerSubscription,8:F2} {r.PeakRssMb,13:F0}");
        }
        if (MixedDay is { } m)
        {
            sb.AppendLine(c, $"Mixed day          {m.Size,8} {m.GatewayLatencyMs,6} ms {m.Seconds,11:F1} {m.Size / m.Seconds,12:F0} {m.MsPerSubscription,8:F2} {m.PeakRssMb,13:F0}");
            sb.AppendLine(c, $"  renewal call {m.RenewalSeconds:F1} s: {m.RenewalInvoices} invoices ({m.Discounted} discounted, {m.TrialsBilled} trials' first), " +
                $"{m.PendingPayment} payment links; housekeeping call {m.HousekeepingSeconds:F1} s: {m.AllowancesGranted} yearly allowance months");
            if (Renewals.FirstOrDefault(r => r.HousekeepingSeconds > 0) is { } p)
            {
                sb.AppendLine(c, $"  its plain day at {p.Size}: renewal call {p.Seconds:F1} s ({p.RenewalInvoices} invoices), housekeeping call {p.HousekeepingSeconds:F1} s: {p.DaySeconds * 1000 / p.Size:F2} ms/sub");
                sb.AppendLine(c, $"  renewal call per invoice, mixed / plain (informational): {m.RenewalMsPerInvoice:F2} / {p.RenewalMsPerInvoice:F2} ms = {m.RenewalPerInvoiceRatio:F3}");
            }
        }
        if (Storm is { } s)
        {
            sb.AppendLine();
            sb.AppendLine(c, $"Callback storm: {s.Max.Requests} at max {s.Max.PerSecond:F0}/s (p50 {s.Max.P50Ms:F1} ms, p99 {s.Max.P99Ms:F1} ms, {s.Max.Errors} errors); " +
                $"{s.HalfRate.Requests} at half rate {s.HalfRate.PerSecond:F0}/s (p50 {s.HalfRate.P50Ms:F1} ms, p99 {s.HalfRate.P99Ms:F1} ms); {s.PaidInvoices} invoices paid");
        }
        if (Credits is { } k)
        {
            sb.AppendLine(c, $"Credits add: max {k.Max.PerSecond:F0} req/s (p50 {k.Max.P50Ms:F1} ms, p99 {k.Max.P99Ms:F1} ms, {k.Non2xx} non-2xx); " +
                $"half rate {k.HalfRate.PerSecond:F0}/s (p50 {k.HalfRate.P50Ms:F1} ms, p99 {k.HalfRate.P99Ms:F1} ms)");
        }
        if (Console is { } con)
        {
            sb.AppendLine();
            sb.AppendLine(c, $"Console ({con.Subscriptions:N0} subscriptions, {con.Invoices:N0} invoices, {con.Payments:N0} payments, {con.BillingLogs:N0} billing logs; seeded in {con.SeedSeconds:F0} s)");
            sb.AppendLine("  page                          server CPU core-ms   wall median ms    p95 ms    max ms      KiB");
            foreach (var p in con.Pages.Append(con.ExportCsv))
            {
                sb.AppendLine(c, $"  {p.Page,-32} {p.CpuMs,15:F1} {p.MedianMs,16:F1} {p.P95Ms,9:F1} {p.MaxMs,9:F1} {p.Bytes / 1024,8}");
            }
            sb.AppendLine(c, $"  export CSV time to first byte: {con.ExportCsvFirstByteMs:F1} ms");
        }
        if (HotRow is { } h)
        {
            sb.AppendLine(c, $"Credits add, one hot row: max {h.Max.PerSecond:F0} req/s (p50 {h.Max.P50Ms:F1} ms, p99 {h.Max.P99Ms:F1} ms, {h.Non2xx} non-2xx); " +
                $"half rate {h.HalfRate.PerSecond:F0}/s (p50 {h.HalfRate.P50Ms:F1} ms, p99 {h.HalfRate.P99Ms:F1} ms)");
        }
        sb.AppendLine();
        sb.AppendLine("CPU per request (core-ms)       api  stand-in  baseline  postgres  load-gen    total");
        foreach (var (phase, cpu) in CpuPerRequest)
        {
            sb.AppendLine(c, $"  {phase,-28} {cpu["api"],6:F2} {cpu["ipaymu_stand_in"],9:F2} {cpu["baseline_app"],9:F2} {cpu["postgres"],9:F2} {cpu["load_generator"],9:F2} {cpu["total"],8:F2}");
        }
        foreach (var (phase, top) in TopStatements)
        {
            sb.AppendLine(c, $"Costliest SQL, {phase} (share of database time, calls, mean):");
            sb.AppendLine(Statements.Describe(top));
        }
        sb.AppendLine();
        sb.AppendLine(Quick ? "Targets (quick run: not judged, the sizes and durations are too small)" : "Targets");
        foreach (var t in Targets)
        {
            if (t.Met is null)
            {
                sb.AppendLine(c, $"  not measured {t.Name}: {t.Comparison} {t.Bound}{t.Unit}");
                sb.AppendLine(c, $"           because {t.BoundedBy}");
                continue;
            }
            var verdict = Quick ? "quick " : t.Met == true ? "met   " : "MISSED";
            sb.AppendLine(c, $"  {verdict} {t.Name}: {t.Value}{t.Unit} {t.Comparison} {t.Bound}{t.Unit}");
            if (t.BoundedBy is { } why)
            {
                sb.AppendLine(c, $"           bounded by {why}");
            }
        }
        if (LoadAverages.Count > 0)
        {
            sb.AppendLine(c, $"load average (1 min) at each phase: {string.Join(", ", LoadAverages.Select(l => l.Load1.ToString("F1", c)))}");
        }
        sb.AppendLine(c, $"bench finished in {TotalSeconds:F0} s");
        return sb.ToString();
    }

    public string Json() => JsonSerializer.Serialize(new
    {
        started = Started,
        quick = Quick,
        machine = new { cores = Environment.ProcessorCount, os = System.Runtime.InteropServices.RuntimeInformation.OSDescription, load_average = LoadAverages },
        ceilings = new { pgbench_tps = PgbenchTps, baseline_wrk_64 = BaselineWrk, baseline_driver_32 = BaselineDriver },
        renewals = Renewals,
        mixed_day = MixedDay,
        callback_storm = Storm,
        credits = Credits,
        console = Console,
        credits_hot_row = HotRow,
        cpu_core_ms_per_request = CpuPerRequest,
        top_statements = TopStatements,
        targets = Targets,
        total_seconds = TotalSeconds,
    }, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower });
}

/// <summary>/proc/loadavg's 1-minute figure when a phase started: other work on the machine.</summary>
public sealed record LoadSample(string Phase, double Load1)
{
    public static LoadSample Now(string phase)
    {
        var text = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg") : "0";
        return new LoadSample(phase, double.Parse(text.Split(' ')[0], CultureInfo.InvariantCulture));
    }
}
