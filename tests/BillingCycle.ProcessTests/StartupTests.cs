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
            ["BILLING_CRON_SECRET"] = ApiProcess.CronSecret,
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

    private const string ShortSecret = "short-cron-secret-never-printed";

    /// <summary>contract §10.6 guards: each stops the real binary with one line naming the setting (before the database is touched: it is unreachable here).</summary>
    public static TheoryData<string, string> Guards() => new()
    {
        { "short_cron_secret", "BILLING_CRON_SECRET" },
        { "test_clock_against_production_ipaymu", "BILLING_TEST_CLOCK" },
        { "production_without_issuer", "CLERK_ISSUER" },
        { "production_without_authorized_parties", "CLERK_AUTHORIZED_PARTIES" },
        { "production_with_http_jwks", "CLERK_JWKS_URL" },
    };

    [Theory]
    [MemberData(nameof(Guards))]
    public async Task A_guarded_setting_stops_start_up_with_one_line_naming_it(string kind, string named)
    {
        var env = new Dictionary<string, string>
        {
            ["DATABASE_URL"] = $"postgres://billing:{Password}@127.0.0.1:{DedicatedPostgres.FreePort()}/billing",
        };
        var production = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["CLERK_ISSUER"] = ClerkTokens.DefaultIssuer,
            ["CLERK_AUTHORIZED_PARTIES"] = ClerkTokens.DefaultParty,
            ["CLERK_JWKS_URL"] = "https://clerk.billing.test/.well-known/jwks.json",
        };
        switch (kind)
        {
            case "short_cron_secret":
                env["BILLING_CRON_SECRET"] = ShortSecret;
                break;
            case "test_clock_against_production_ipaymu":
                // Staging with production iPaymu (no IPAYMU_BASE_URL, no sandbox) and a movable clock.
                env["BILLING_TEST_CLOCK"] = "2026-11-01T02:00:00Z";
                env["IPAYMU_SANDBOX"] = "false";
                break;
            default:
                foreach (var (k, v) in production)
                {
                    env[k] = v;
                }
                if (kind == "production_without_issuer")
                {
                    env["CLERK_ISSUER"] = "";
                }
                else if (kind == "production_without_authorized_parties")
                {
                    env["CLERK_AUTHORIZED_PARTIES"] = "";
                }
                else
                {
                    env["CLERK_JWKS_URL"] = "http://clerk.billing.test/.well-known/jwks.json";
                }
                break;
        }
        var api = await ApiProcess.StartAsync(env, waitUntilLive: false);
        await using var _ = api;

        Assert.True(api.ExitedWithin(TimeSpan.FromSeconds(60)), "the process stops by itself");
        await Task.Delay(300); // let the output readers drain
        Assert.NotEqual(0, api.ExitCode);
        var output = string.Join('\n', api.Output);
        var line = Assert.Single(api.Output, l => l.Contains("cannot start", StringComparison.Ordinal));
        Assert.Contains(named, line, StringComparison.Ordinal);
        Assert.DoesNotContain(ShortSecret, output, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }
}
