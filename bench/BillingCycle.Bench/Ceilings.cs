using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Npgsql;

namespace BillingCycle.Bench;

public sealed record WrkResult(long Requests, double Seconds, double PerSecond, double P50Ms, double P99Ms, long Errors, long Non2xx);

/// <summary>What this machine can do at best, measured in the same run: pgbench TPS and the one-INSERT endpoint.</summary>
public static partial class Ceilings
{
    /// <summary>pgbench's TPC-B-like script, 8 clients, on the bench's own cluster.</summary>
    public static async Task<double> PgbenchTpsAsync(Stack stack, int seconds)
    {
        var b = new NpgsqlConnectionStringBuilder(stack.Db.ConnectionString);
        await stack.ExecAsync("DROP DATABASE IF EXISTS pgbench WITH (FORCE)");
        await stack.ExecAsync("CREATE DATABASE pgbench");
        string[] conn = ["-h", b.Host!, "-p", b.Port.ToString(CultureInfo.InvariantCulture), "-U", b.Username ?? "postgres"];
        await Child.RunAsync("pgbench", ["-i", "-s", "10", "-q", .. conn, "pgbench"]);
        var output = await Child.RunAsync("pgbench", ["-c", "8", "-j", "2", "-T", seconds.ToString(CultureInfo.InvariantCulture), "-n", .. conn, "pgbench"]);
        var m = TpsLine().Match(output);
        return m.Success ? double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : throw new InvalidOperationException("no tps in pgbench output: " + output);
    }

    /// <summary>wrk against a URL with a Lua script; the script prints one WRK_JSON line in done().</summary>
    public static async Task<WrkResult> WrkAsync(Stack stack, Uri url, string script, int connections, int seconds,
        string[]? scriptArgs = null, IDictionary<string, string>? env = null)
    {
        string[] args = ["-t2", $"-c{connections}", $"-d{seconds}s", "--timeout", "10s", "-s", Path.Combine(stack.Repo, "bench", "wrk", script), url.ToString()];
        if (scriptArgs is { Length: > 0 })
        {
            args = [.. args, "--", .. scriptArgs];
        }
        var output = await Child.RunAsync("wrk", args, env);
        var line = output.Split('\n').FirstOrDefault(l => l.StartsWith("WRK_JSON ", StringComparison.Ordinal))
            ?? throw new InvalidOperationException("wrk printed no summary: " + output);
        using var doc = JsonDocument.Parse(line["WRK_JSON ".Length..]);
        var r = doc.RootElement;
        var secs = r.GetProperty("duration_us").GetInt64() / 1e6;
        var requests = r.GetProperty("requests").GetInt64();
        return new WrkResult(requests, secs, requests / secs, r.GetProperty("p50_us").GetInt64() / 1e3,
            r.GetProperty("p99_us").GetInt64() / 1e3, r.GetProperty("errors").GetInt64(), r.GetProperty("non2xx").GetInt64());
    }

    /// <summary>The baseline endpoint driven by the C# generator (the same one the callback storm uses).</summary>
    public static async Task<LoadResult> BaselineByDriverAsync(int connections, int seconds, string body)
    {
        using var http = Load.Client(Stack.BaselineUrl, connections);
        return await Load.ClosedAsync(http, _ => new HttpRequestMessage(HttpMethod.Post, "/baseline")
        {
            Content = new StringContent(body, System.Text.Encoding.UTF8, "application/x-www-form-urlencoded"),
        }, connections, duration: TimeSpan.FromSeconds(seconds));
    }

    [GeneratedRegex(@"tps = ([0-9.]+) \(without initial connection time\)")]
    private static partial Regex TpsLine();
}
