using BillingCycle.IPaymu;

namespace BillingCycle.Api.Infrastructure.Time;

/// <summary>
/// contract §10.6: a movable clock may only run against money that is not real. iPaymu must be the
/// sandbox (https://sandbox.ipaymu.com) or a stand-in on this machine (a loopback IPAYMU_BASE_URL);
/// Staging with production keys would otherwise bill real customers on a clock anyone holding the
/// cron secret can move.
/// </summary>
public static class TestClockGuard
{
    public const string Refusal =
        "BILLING_TEST_CLOCK is refused unless iPaymu is the sandbox (IPAYMU_SANDBOX=true) or a loopback stand-in (IPAYMU_BASE_URL=http://127.0.0.1:<port>)";

    /// <summary>True when <paramref name="ipaymuHost"/> (the host the client will call) is the sandbox or loopback.</summary>
    public static bool Allows(Uri ipaymuHost) =>
        ipaymuHost.IsLoopback
        || (ipaymuHost.Scheme == Uri.UriSchemeHttps
            && string.Equals(ipaymuHost.IdnHost, IPaymuOptions.SandboxHost.IdnHost, StringComparison.OrdinalIgnoreCase)
            && ipaymuHost.Port == IPaymuOptions.SandboxHost.Port);

    public static bool Allows(IPaymuOptions options) => Allows(options.Host);
}
