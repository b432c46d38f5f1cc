using System.Diagnostics;
using System.Net.Http.Json;

namespace BillingCycle.Bench;

/// <summary>One console page's server time over loopback: the median and the slowest of the measured requests.</summary>
/// <param name="CpuMs">Core-milliseconds per request of the API process and the bench's PostgreSQL cluster: the server's own work,
/// which other load on a shared machine does not inflate (the wall times do).</param>
public sealed record PageTiming(string Page, string Path, int Requests, double MedianMs, double P95Ms, double MaxMs, long Bytes, double CpuMs = 0);

public sealed record ConsoleResult(int Subscriptions, long Invoices, long Payments, long BillingLogs, double SeedSeconds,
    List<PageTiming> Pages, PageTiming ExportCsv, double ExportCsvFirstByteMs);

/// <summary>
/// contract §9.4: every console page answers in ≤ 200 ms of server time with 100,000 subscriptions and a
/// year of history. Seeds that volume (<see cref="ConsoleSeed"/>), moves the test clock into the
/// current month, then times each page with an admin token: warm-ups discarded, then sequential
/// requests on one keep-alive connection, timed at the client on loopback (an upper bound of the server's time).
/// </summary>
public static class ConsolePhase
{
    private const int Warmups = 3, Measured = 15;

    public static readonly (string Name, string Path)[] Pages =
    [
        ("overview", "/admin"),
        ("funnel (a full past month)", "/admin/funnel?month=2026-10"),
        ("funnel (this month)", "/admin/funnel?month=2026-11"),
        ("oddities", "/admin/oddities"),
        ("customer search", "/admin/customers?q=bench_4242"),
        ("customer search (name)", "/admin/customers?q=Customer%209999"),
        ("customer timeline (a year)", "/admin/customers/bench_4242"),
        ("customer timeline (dunning)", "/admin/customers/bench_50"),
        ("jobs", "/admin/jobs"),
        ("deliveries", "/admin/deliveries"),
        ("export page", "/admin/export"),
    ];

    public static async Task<ConsoleResult> RunAsync(Stack stack, Action<string> say)
    {
        // BENCH_CONSOLE_REUSE=1: time the pages on the data a previous console phase seeded (iterating on queries and indexes).
        var reuse = Environment.GetEnvironmentVariable("BENCH_CONSOLE_REUSE") == "1"
                    && await stack.CountAsync("SELECT count(*) FROM subscriptions") == ConsoleSeed.Subscriptions;
        if (!reuse)
        {
            await stack.ResetAsync();
        }
        var seed = Stopwatch.StartNew();
        foreach (var step in reuse ? [] : ConsoleSeed.Steps)
        {
            var t = Stopwatch.StartNew();
            await stack.ExecAsync(step);
            say($"  seeded {step.Split('\n')[0].Trim()[..Math.Min(60, step.Split('\n')[0].Trim().Length)]}… in {t.Elapsed.TotalSeconds:F0} s");
        }
        await stack.QuiesceAsync();
        var seedSeconds = seed.Elapsed.TotalSeconds;
        using (var cron = stack.Cron(TimeSpan.FromSeconds(30)))
        {
            using var moved = await cron.PostAsJsonAsync(new Uri("/api/billing/test-clock", UriKind.Relative), new { now = ConsoleSeed.Now });
            moved.EnsureSuccessStatusCode();
        }

        var postmaster = await PostmasterPidAsync(stack);
        double ServerCpu() => CpuMeter.Seconds(stack.Api.Pid) + CpuMeter.Cluster(postmaster);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1 }) { BaseAddress = Stack.ApiUrl, Timeout = TimeSpan.FromSeconds(60) };
        var pages = new List<PageTiming>();
        foreach (var (name, path) in Pages)
        {
            pages.Add(await TimeAsync(stack, http, name, path, ServerCpu));
            say($"  {name}: median {pages[^1].MedianMs:F1} ms, p95 {pages[^1].P95Ms:F1} ms, server CPU {pages[^1].CpuMs:F1} core-ms ({pages[^1].Bytes / 1024} KiB)");
        }
        var (export, firstByte) = await TimeExportAsync(stack, http, ServerCpu);
        say($"  export CSV of October (100,000 rows): first byte {firstByte:F0} ms, whole file median {export.MedianMs:F0} ms ({export.Bytes / 1024} KiB)");
        return new ConsoleResult(ConsoleSeed.Subscriptions, await stack.CountAsync("SELECT count(*) FROM invoices"),
            await stack.CountAsync("SELECT count(*) FROM payments"), await stack.CountAsync("SELECT count(*) FROM billing_logs"),
            seedSeconds, pages, export, firstByte);
    }

    private static async Task<int> PostmasterPidAsync(Stack stack)
    {
        await using var cmd = stack.Db.CreateCommand("SELECT setting FROM pg_settings WHERE name = 'data_directory'");
        var dir = (string)(await cmd.ExecuteScalarAsync())!;
        return int.Parse(File.ReadLines(Path.Combine(dir, "postmaster.pid")).First(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task<PageTiming> TimeAsync(Stack stack, HttpClient http, string name, string path, Func<double> serverCpu)
    {
        var times = new List<double>();
        long bytes = 0;
        double cpuStart = 0;
        for (var i = 0; i < Warmups + Measured; i++)
        {
            if (i == Warmups)
            {
                cpuStart = serverCpu();
            }
            using var req = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
            req.Headers.Authorization = new("Bearer", stack.Tokens.Admin("bench_operator"));
            var t = Stopwatch.StartNew();
            using var res = await http.SendAsync(req);
            var body = await res.Content.ReadAsByteArrayAsync();
            t.Stop();
            if (!res.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"{path} answered {(int)res.StatusCode}");
            }
            bytes = body.Length;
            if (i >= Warmups)
            {
                times.Add(t.Elapsed.TotalMilliseconds);
            }
        }
        var cpuMs = (serverCpu() - cpuStart) * 1000 / Measured;
        times.Sort();
        return new PageTiming(name, path, times.Count, Math.Round(times[times.Count / 2], 1),
            Math.Round(times[(int)Math.Ceiling(times.Count * 0.95) - 1], 1), Math.Round(times[^1], 1), bytes, Math.Round(cpuMs, 1));
    }

    private static async Task<(PageTiming, double)> TimeExportAsync(Stack stack, HttpClient http, Func<double> serverCpu)
    {
        double cpuStart = 0;
        var totals = new List<double>();
        var firsts = new List<double>();
        long bytes = 0;
        for (var i = 0; i < 1 + 5; i++)
        {
            if (i == 1)
            {
                cpuStart = serverCpu();
            }
            using var req = new HttpRequestMessage(HttpMethod.Get, new Uri("/admin/export?month=2026-10", UriKind.Relative));
            req.Headers.Authorization = new("Bearer", stack.Tokens.Admin("bench_operator"));
            var t = Stopwatch.StartNew();
            using var res = await http.SendAsync(req, HttpCompletionOption.ResponseHeadersRead);
            await using var s = await res.Content.ReadAsStreamAsync();
            var buffer = new byte[64 * 1024];
            var n = await s.ReadAsync(buffer);
            var first = t.Elapsed.TotalMilliseconds;
            long total = n;
            while ((n = await s.ReadAsync(buffer)) > 0)
            {
                total += n;
            }
            t.Stop();
            bytes = total;
            if (i > 0)
            {
                totals.Add(t.Elapsed.TotalMilliseconds);
                firsts.Add(first);
            }
        }
        var cpuMs = (serverCpu() - cpuStart) * 1000 / totals.Count;
        totals.Sort();
        firsts.Sort();
        return (new PageTiming("export CSV (100,000 invoices)", "/admin/export?month=2026-10", totals.Count, Math.Round(totals[totals.Count / 2], 1),
            Math.Round(totals[^1], 1), Math.Round(totals[^1], 1), bytes, Math.Round(cpuMs, 1)), Math.Round(firsts[firsts.Count / 2], 1));
    }
}
