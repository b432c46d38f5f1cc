using System.Net;
using System.Net.Sockets;
using BillingCycle.TestSupport;

namespace BillingCycle.ProcessTests;

/// <summary>The binary refuses to start on a bad database setting with one line naming it, never the password.</summary>
public sealed class StartupTests
{
    private const string Password = "s3cret-Pa55word-never-printed";
    private const string ClosedPort = "{closed-port}";

    public static TheoryData<string, string> BadDatabases() => new()
    {
        { "not a url at all ::", "DATABASE_URL" },
        { $"postgres://billing:{Password}@127.0.0.1:{ClosedPort}/billing", "127.0.0.1" },
    };

    [Theory]
    [MemberData(nameof(BadDatabases))]
    public async Task A_bad_or_unreachable_database_stops_start_up_with_one_line_and_no_password(string url, string named)
    {
        // A port bound but never listened on refuses every connection, and no other test's
        // server can take it while we hold it (a port merely found free could be reused).
        using var closed = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        closed.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        url = url.Replace(ClosedPort, ((IPEndPoint)closed.LocalEndPoint!).Port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);

        var api = await ApiProcess.StartAsync(new Dictionary<string, string>
        {
            ["DATABASE_URL"] = url,
        }, waitUntilLive: false);
        await using var _ = api;

        // Exit, then both pipes read to their end: the one line is in Output once this is true.
        Assert.True(await api.ExitedAndDrainedWithinAsync(TimeSpan.FromSeconds(60)), "the process stops by itself");
        Assert.NotEqual(0, api.ExitCode);
        var output = string.Join('\n', api.Output);
        var line = Assert.Single(api.Output, l => l.Contains("cannot start", StringComparison.Ordinal));
        Assert.Contains(named, line, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal); // no stack trace
    }
}
