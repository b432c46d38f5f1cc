using System.Diagnostics;
using System.Text.RegularExpressions;
using BillingCycle.TestSupport;
using Npgsql;

namespace BillingCycle.ProcessTests;

/// <summary>
/// The README quotes what scripts/tour.sh prints. This plays the tour against the API binary (as
/// run.sh starts it: Development, a test clock, the demo data, the local identity, the iPaymu
/// stand-in) and finds every quoted line in the tour's output, in the README's order. In the
/// README the quoted block follows the marker &lt;!-- tour-output --&gt;; "…" in a quoted line stands
/// for anything (dates, invoice numbers, ids).
/// </summary>
public sealed partial class TourTests
{
    [Fact]
    public async Task The_tour_prints_the_lines_the_README_quotes_in_that_order()
    {
        var quoted = QuotedLines(await File.ReadAllTextAsync(Path.Combine(DedicatedPostgres.RepoRoot(), "README.md")));
        Assert.True(quoted.Count >= 10, $"the README quotes {quoted.Count} tour lines after <!-- tour-output -->");

        using var identity = await LocalIdentityScripts.MakeAsync();
        await using var world = await ProcessWorld.StartAsync();
        var clock = DateTimeOffset.UtcNow;
        var hour = new DateTimeOffset(clock.Year, clock.Month, clock.Day, clock.Hour, 0, 0, TimeSpan.Zero).ToString("yyyy-MM-ddTHH:mm:ssZ");
        var port = DedicatedPostgres.FreePort();
        var env = new Dictionary<string, string>(identity.Settings.Where(kv => kv.Key.StartsWith("CLERK_", StringComparison.Ordinal)))
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["BILLING_TEST_CLOCK"] = hour,
            ["BILLING_SCHEDULER_ENABLED"] = "false",
            ["PUBLIC_BASE_URL"] = $"http://127.0.0.1:{port}",
            ["APP_URL"] = "http://localhost:3000",
            ["IPAYMU_VA"] = StandInHost.Va,
            ["IPAYMU_API_KEY"] = StandInHost.ApiKey,
            ["BILLING_CRON_SECRET"] = ApiProcess.CronSecret,
            // run.sh's tax (PPN 12% on the 11/12 base, prices including it): the coupon step shows it.
            ["BILLING_TAX_PERCENT"] = "12",
            ["BILLING_TAX_OTHER_BASE"] = "11/12",
            ["BILLING_PRICES_INCLUDE_TAX"] = "true",
        };
        await using var api = await world.StartApiAsync(env, port);

        var b = new NpgsqlConnectionStringBuilder(world.Db.ConnectionString);
        var url = $"postgres://{b.Username}@{b.Host}:{b.Port}/{b.Database}";
        var (demoCode, demoOut) = await RunAsync("psql", [url, "-q", "-v", "ON_ERROR_STOP=1", "-v", $"demo_now={hour}", "-f", "db/demo/demo-data.sql"], []);
        Assert.True(demoCode == 0, demoOut);

        var (code, output) = await RunAsync("bash", ["scripts/tour.sh"], new()
        {
            ["API"] = api.BaseUrl.ToString().TrimEnd('/'),
            ["STANDIN"] = world.StandIn.BaseUrl.ToString().TrimEnd('/'),
            ["DATABASE_URL"] = url,
            ["BILLING_CRON_SECRET"] = ApiProcess.CronSecret,
            ["BILLING_LOCAL_CLERK_DIR"] = identity.Dir,
        });
        var dir = Path.Combine(DedicatedPostgres.RepoRoot(), ".local", "test-results");
        Directory.CreateDirectory(dir);
        await File.WriteAllTextAsync(Path.Combine(dir, "tour-output.txt"), output);
        Assert.True(code == 0, $"tour.sh exited {code}:\n{output}");

        var lines = output.Split('\n').Select(Squeeze).ToList();
        var at = 0;
        foreach (var q in quoted)
        {
            var pattern = new Regex("^" + string.Join(".*", Squeeze(q).Split('…').Select(Regex.Escape)) + "$");
            var found = lines.FindIndex(at, l => pattern.IsMatch(l));
            Assert.True(found >= 0, $"README line not printed by tour.sh (after line {at}):\n  {q}\n(the tour's output is in .local/test-results/tour-output.txt)");
            at = found + 1;
        }
    }

    /// <summary>Runs of spaces as one, ends trimmed: psql pads its table columns to the widest value.</summary>
    private static string Squeeze(string line) => Spaces().Replace(line, " ").Trim();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();

    /// <summary>The lines of the first fenced block after the marker, without blank ones.</summary>
    internal static List<string> QuotedLines(string readme)
    {
        var start = readme.IndexOf("<!-- tour-output -->", StringComparison.Ordinal);
        Assert.True(start >= 0, "README.md has no <!-- tour-output --> marker");
        var fence = readme.IndexOf("```", start, StringComparison.Ordinal);
        var body = readme.IndexOf('\n', fence) + 1;
        var end = readme.IndexOf("```", body, StringComparison.Ordinal);
        return readme[body..end].Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
    }

    private static async Task<(int Code, string Output)> RunAsync(string file, string[] args, Dictionary<string, string> env)
    {
        var psi = new ProcessStartInfo(file) { WorkingDirectory = DedicatedPostgres.RepoRoot(), RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        foreach (var (k, v) in env)
        {
            psi.Environment[k] = v;
        }
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(5));
        return (p.ExitCode, await stdout + await stderr);
    }
}
