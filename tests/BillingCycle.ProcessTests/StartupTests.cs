using BillingCycle.TestSupport;

namespace BillingCycle.ProcessTests;

/// <summary>The binary refuses to start on a bad database setting with one line naming it, never the password.</summary>
public sealed class StartupTests
{
    private const string Password = "s3cret-Pa55word-never-printed";

    public static TheoryData<string, string> BadDatabases() => new()
    {
        { "not a url at all ::", "DATABASE_URL" },
        { $"postgres://billing:{Password}@127.0.0.1:{DedicatedPostgres.FreePort()}/billing", "127.0.0.1" },
    };

    [Theory]
    [MemberData(nameof(BadDatabases))]
    public async Task A_bad_or_unreachable_database_stops_start_up_with_one_line_and_no_password(string url, string named)
    {
        var api = await ApiProcess.StartAsync(new Dictionary<string, string>
        {
            ["DATABASE_URL"] = url,
            ["BILLING_CRON_SECRET"] = "x",
        }, waitUntilLive: false);
        await using var _ = api;

        Assert.True(api.ExitedWithin(TimeSpan.FromSeconds(60)), "the process stops by itself");
        await Task.Delay(300); // let the output readers drain
        Assert.NotEqual(0, api.ExitCode);
        var output = string.Join('\n', api.Output);
        var line = Assert.Single(api.Output, l => l.Contains("cannot start", StringComparison.Ordinal));
        Assert.Contains(named, line, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal); // no stack trace
    }
}
