using BillingCycle.Api.Infrastructure;
using BillingCycle.Api.Infrastructure.Http;

namespace BillingCycle.UnitTests.Infrastructure;

/// <summary>BILLING_KNOWN_PROXIES: addresses and CIDR networks; anything else stops start-up; unset trusts no one.</summary>
public sealed class KnownProxiesTests
{
    [Fact]
    public void Addresses_and_networks_are_read_and_anything_else_stops_start_up()
    {
        Assert.Empty(RateLimits.KnownProxies(null));
        Assert.Empty(RateLimits.KnownProxies(""));
        var list = RateLimits.KnownProxies(" 10.0.0.0/8, 192.168.1.5 ,::1");
        Assert.Equal(["10.0.0.0/8", "192.168.1.5/32", "::1/128"], list.Select(n => n.ToString()));
        var ex = Assert.Throws<StartupException>(() => RateLimits.KnownProxies("10.0.0.1, proxy.internal"));
        Assert.StartsWith("BILLING_KNOWN_PROXIES", ex.Message, StringComparison.Ordinal);
    }
}
