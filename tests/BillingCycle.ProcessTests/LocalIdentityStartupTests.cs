using System.Net;
using System.Net.Sockets;
using BillingCycle.TestSupport;

namespace BillingCycle.ProcessTests;

/// <summary>run.sh's development key can never be trusted by a deployment: outside Development the binary refuses it.</summary>
public sealed class LocalIdentityStartupTests
{
    [Theory]
    [InlineData("Production")]
    [InlineData("Staging")]
    public async Task The_local_development_key_stops_start_up_outside_Development_with_one_line(string environment)
    {
        using var identity = await LocalIdentityScripts.MakeAsync();
        using var closed = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        closed.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var api = await ApiProcess.StartAsync(new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = environment,
            ["CLERK_JWT_KEY"] = identity.PublicKeyPem,
            // Production's other Clerk requirements met (contract §10.6), so the local key is what stops it.
            ["CLERK_ISSUER"] = "https://clerk.billing.test",
            ["CLERK_AUTHORIZED_PARTIES"] = "https://app.billing.test",
            ["DATABASE_URL"] = $"postgres://postgres@127.0.0.1:{((IPEndPoint)closed.LocalEndPoint!).Port}/billing",
        }, waitUntilLive: false);
        await using var _ = api;

        Assert.True(await api.ExitedAndDrainedWithinAsync(TimeSpan.FromSeconds(60)), "the process stops by itself");
        Assert.NotEqual(0, api.ExitCode);
        var line = Assert.Single(api.Output, l => l.Contains("cannot start", StringComparison.Ordinal));
        Assert.Contains("CLERK_JWT_KEY is the local development key", line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", string.Join('\n', api.Output), StringComparison.Ordinal);
    }
}
