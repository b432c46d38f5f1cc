using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using BillingCycle.TestSupport;

namespace BillingCycle.Bench;

/// <param name="Seconds">The renewal call alone (what renewals per second are over), with or without housekeeping after it.</param>
/// <param name="Invoices">Every invoice in the database after the day: the seeded history's and the day's.</param>
/// <param name="RenewalInvoices">The day's renewal invoices (<see cref="Workloads.CountDayInvoices"/>).</param>
/// <param name="HousekeepingSeconds">The housekeeping call after the renewal, when the day has one (the plain day at the mixed day's size); 0 otherwise.</param>
public sealed record RenewalResult(int Size, int GatewayLatencyMs, double Seconds, double PerSecond, double MsPerSubscription,
    double PeakRssMb, long Invoices, long PendingPayment, long RenewalInvoices, double HousekeepingSeconds)
{
    /// <summary>The renewal call's CPU.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public CpuSplit? Cpu { get; init; }

    /// <summary>The whole day's CPU: the renewal call's and, when it ran, housekeeping's.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public CpuSplit? DayCpu { get; init; }

    /// <summary>Renewal and housekeeping, end to end: what the mixed day is judged against.</summary>
    public double DaySeconds => Seconds + HousekeepingSeconds;

    /// <summary>The renewal call's ms per invoice it made.</summary>
    public double RenewalMsPerInvoice => Seconds * 1000 / Math.Max(1, RenewalInvoices);
}

/// <summary>
/// The seconds of a day's cron calls in all and each (in the order they were called), the API's
/// peak RSS, and each call's CPU (empty without a meter).
/// </summary>
public sealed record TimedDay(double Seconds, double[] LapSeconds, double PeakRssMb, CpuSplit[] LapCpu)
{
    public CpuSplit? Cpu => LapCpu.Length == 0 ? null : LapCpu.Aggregate((a, b) => a.Plus(b));
}

public sealed record StormResult(LoadResult Max, LoadResult HalfRate, long PaidInvoices)
{
    [System.Text.Json.Serialization.JsonIgnore]
    public CpuSplit? Cpu { get; init; }
}

public sealed record CreditsResult(WrkResult Max, LoadResult HalfRate, long Non2xx)
{
    [System.Text.Json.Serialization.JsonIgnore]
    public CpuSplit? Cpu { get; init; }
}

/// <summary>The three workloads of a billing day: renewal, the callback storm, credits.</summary>
public static class Workloads
{
    public const string RenewPath = "/api/billing/renew", HousekeepingPath = "/api/billing/housekeeping";

    /// <summary>
    /// Counts the day's renewal invoices ($1: <see cref="Stack.DueAt"/>); a constant, so a caller may
    /// append a constant AND to it (never a value: values are parameters).
    /// </summary>
    public const string CountDayInvoices = "SELECT count(*) FROM invoices i WHERE i.kind = 'renewal' AND i.period_start = $1";

    /// <summary>Open payment links handed out by the gateway: what the callback storm pays.</summary>
    private const string PendingLinks = "FROM payments WHERE status = 'pending' AND session_id IS NOT NULL";

    public static Task<long> PendingLinksAsync(Stack stack) => stack.CountAsync("SELECT count(*) " + PendingLinks);

    public static async Task SetGatewayLatencyAsync(int ms)
    {
        using var http = new HttpClient { BaseAddress = Stack.StandInUrl };
        using var res = await http.PostAsJsonAsync("/_standin/faults", new { LatencyMs = ms, Mode = "none" });
        res.EnsureSuccessStatusCode();
    }

    /// <summary>N due subscriptions, one POST /api/billing/renew, timed; the API's RSS sampled throughout.</summary>
    /// <param name="meter">Metered over the day's calls only (TimedDayAsync starts and stops it).</param>
    /// <param name="housekeeping">Housekeeping after the renewal, timed on its own: the plain day the mixed day is judged against.</param>
    public static async Task<RenewalResult> RenewalAsync(Stack stack, int size, int latencyMs, CpuMeter? meter = null, bool housekeeping = false)
    {
        await stack.ResetAsync();
        await stack.SeedDueAsync(size);
        await SetGatewayLatencyAsync(latencyMs);
        var day = await TimedDayAsync(stack, meter, housekeeping ? [RenewPath, HousekeepingPath] : [RenewPath]);
        var s = day.LapSeconds[0];
        return new RenewalResult(size, latencyMs, s, size / s, s * 1000 / size, day.PeakRssMb,
            await stack.CountAsync("SELECT count(*) FROM invoices"), await PendingLinksAsync(stack),
            await stack.CountAsync(CountDayInvoices, Stack.DueAt), housekeeping ? day.LapSeconds[1] : 0)
        {
            Cpu = day.LapCpu.FirstOrDefault(),
            DayCpu = day.Cpu,
        };
    }

    /// <summary>
    /// The day's cron calls, one after another, timed end to end (and each on its own), the API's
    /// RSS sampled throughout. The renewal day is one call; the mixed day and the plain day it is
    /// judged against add housekeeping.
    /// </summary>
    /// <param name="meter">Started before each call and stopped after it, so each call's CPU is its own.</param>
    public static async Task<TimedDay> TimedDayAsync(Stack stack, CpuMeter? meter, params string[] cronPaths)
    {
        using var cron = stack.Cron(TimeSpan.FromMinutes(60));
        var laps = new double[cronPaths.Length];
        var cpu = new List<CpuSplit>();
        double peak;
        var clock = Stopwatch.StartNew();
        await using (var rss = new RssSampler(stack.Api))
        {
            for (var i = 0; i < cronPaths.Length; i++)
            {
                meter?.Start();
                var start = clock.Elapsed;
                using var res = await cron.PostAsync(new Uri(cronPaths[i], UriKind.Relative), null);
                res.EnsureSuccessStatusCode();
                laps[i] = (clock.Elapsed - start).TotalSeconds;
                if (meter is not null)
                {
                    cpu.Add(meter.Stop());
                }
            }
            clock.Stop();
            peak = rss.PeakBytes / (1024.0 * 1024.0);
        }
        return new TimedDay(clock.Elapsed.TotalSeconds, laps, peak, [.. cpu]);
    }

    /// <summary>
    /// Every open payment of the last renewal is paid at the stand-in, which hands back its signed
    /// callback (not delivered). 60% are then sent as fast as 32 connections allow; the rest at
    /// half that rate, open loop, for the latency a normal day sees. Each is confirmed by check-transaction.
    /// </summary>
    /// <param name="meter">Started for the maximum-rate part only; the caller stops it.</param>
    public static async Task<StormResult> CallbackStormAsync(Stack stack, int connections, CpuMeter meter)
    {
        await SetGatewayLatencyAsync(0);
        var sessions = new List<string>();
        await using (var cmd = stack.Db.CreateCommand("SELECT session_id " + PendingLinks + " ORDER BY reference_id"))
        await using (var r = await cmd.ExecuteReaderAsync())
        {
            while (await r.ReadAsync())
            {
                sessions.Add(r.GetString(0));
            }
        }
        var callbacks = new (string Type, string Body, string Signature)[sessions.Count];
        using (var standIn = Load.Client(Stack.StandInUrl, 16))
        {
            await Parallel.ForEachAsync(Enumerable.Range(0, sessions.Count), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
            {
                using var res = await standIn.PostAsync(new Uri($"/_standin/payments/{sessions[i]}/pay?deliver=false", UriKind.Relative), null, ct);
                res.EnsureSuccessStatusCode();
                using var doc = JsonDocument.Parse(await res.Content.ReadAsStringAsync(ct));
                var cb = doc.RootElement.GetProperty("delivery").GetProperty("Callback");
                callbacks[i] = (cb.GetProperty("ContentType").GetString()!, cb.GetProperty("Body").GetString()!, cb.GetProperty("Signature").GetString()!);
            });
        }

        using var http = Load.Client(Stack.ApiUrl, connections);
        HttpRequestMessage Make(int i)
        {
            var (type, body, signature) = callbacks[i];
            var req = new HttpRequestMessage(HttpMethod.Post, "/api/billing/webhook") { Content = new StringContent(body) };
            req.Content.Headers.ContentType = new(type);
            req.Headers.TryAddWithoutValidation("X-Signature", signature);
            return req;
        }
        var split = callbacks.Length * 6 / 10;
        await stack.QuiesceAsync();
        meter.Start();
        var max = await Load.ClosedAsync(http, Make, connections, count: split);
        var cpu = meter.Stop();
        await stack.QuiesceAsync(); // the half-rate part measures a normal day, not the storm's aftermath
        // A tenth of the rest warms the open loop up (new connections, first calls) and is not counted.
        var warm = (callbacks.Length - split) / 10;
        await Load.OpenAsync(http, i => Make(split + i), max.PerSecond / 2, warm);
        var half = await Load.OpenAsync(http, i => Make(split + warm + i), max.PerSecond / 2, callbacks.Length - split - warm);
        return new StormResult(max, half, await stack.CountAsync("SELECT count(*) FROM invoices WHERE status = 'paid'")) { Cpu = cpu };
    }

    /// <summary>
    /// POST /api/credits/scraper/add for 1,000 users, each with its own Clerk session token:
    /// wrk at 64 connections for the maximum, then the C# generator at half that rate.
    /// </summary>
    public static Task<CreditsResult> CreditsAsync(Stack stack, int connections, int seconds, CpuMeter meter) =>
        CreditsAsync(stack, Enumerable.Range(1, 1_000).Select(i => $"bench_{i}").ToArray(), "tokens.txt", connections, seconds, meter);

    /// <summary>
    /// The hot row: one customer's balance changed from 64 connections at once (contract §10.5's
    /// case: many workers spending one balance). Every request waits for the same row lock.
    /// </summary>
    public static Task<CreditsResult> HotRowCreditsAsync(Stack stack, int connections, int seconds, CpuMeter meter) =>
        CreditsAsync(stack, ["bench_hot"], "hot-token.txt", connections, seconds, meter);

    private static async Task<CreditsResult> CreditsAsync(Stack stack, string[] users, string fileName, int connections, int seconds, CpuMeter meter)
    {
        var tokens = users.Select(u => stack.Tokens.Issue(u, new ClerkTokens.Options { ExpiresIn = TimeSpan.FromHours(2) })).ToArray();
        var file = Path.Combine(stack.Work, fileName);
        await File.WriteAllLinesAsync(file, tokens);
        await stack.QuiesceAsync();
        meter.Start();
        var max = await Ceilings.WrkAsync(stack, Stack.ApiUrl, "credits.lua", connections, seconds, [file]);
        var cpu = meter.Stop();

        using var http = Load.Client(Stack.ApiUrl, connections);
        var rate = max.PerSecond / 2;
        HttpRequestMessage Add(int i)
        {
            var req = new HttpRequestMessage(HttpMethod.Post, "/api/credits/scraper/add") { Content = JsonContent.Create(new { amount = 1 }) };
            req.Headers.Authorization = new("Bearer", tokens[i % tokens.Length]);
            return req;
        }
        await Load.OpenAsync(http, Add, rate, (int)(rate * 2)); // 2 s warm-up of the open loop, not counted
        var half = await Load.OpenAsync(http, Add, rate, (int)(rate * 10));
        return new CreditsResult(max, half, max.Non2xx) { Cpu = cpu };
    }
}
