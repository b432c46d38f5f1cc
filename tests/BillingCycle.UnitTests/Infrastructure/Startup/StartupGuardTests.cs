using BillingCycle.Api.Billing;
using BillingCycle.Api.Infrastructure;
using BillingCycle.Api.Infrastructure.Auth;
using BillingCycle.Api.Infrastructure.Time;
using BillingCycle.Api.Infrastructure.Gateway;
using BillingCycle.IPaymu;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace BillingCycle.UnitTests.Startup;

/// <summary>contract §10.6: settings that must stop start-up, each with one line naming the setting and never its value.</summary>
public sealed class StartupGuardTests
{
    private static IConfiguration Config(Dictionary<string, string?> values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values).Build();

    [Theory]
    [InlineData("https://sandbox.ipaymu.com", true)]
    [InlineData("https://SANDBOX.ipaymu.com:443", true)]
    [InlineData("http://127.0.0.1:9300", true)]
    [InlineData("http://127.5.6.7:9300", true)]
    [InlineData("http://localhost:9300", true)]
    [InlineData("http://[::1]:9300", true)]
    [InlineData("https://my.ipaymu.com", false)]
    [InlineData("http://sandbox.ipaymu.com", false)]
    [InlineData("https://sandbox.ipaymu.com:8443", false)]
    [InlineData("https://sandbox.ipaymu.com.evil.test", false)]
    [InlineData("http://ipaymu-standin:9300", false)]
    [InlineData("http://10.0.0.5:9300", false)]
    [InlineData("http://0.0.0.0:9300", false)]
    public void The_test_clock_runs_only_against_the_sandbox_or_a_loopback_stand_in(string host, bool allowed) =>
        Assert.Equal(allowed, TestClockGuard.Allows(new Uri(host)));

    private static IHost Host(Dictionary<string, string?> settings, string environment = "Staging")
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = environment });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddClock();
        builder.AddGateway();
        return builder.Build();
    }

    public static TheoryData<string?, string?> RealMoney() => new()
    {
        { null, null },                              // production iPaymu by default
        { "false", null },
        { "false", "https://my.ipaymu.com" },
        { "true", "https://my.ipaymu.com" },         // the sandbox flag does not cover a production base URL
        { "false", "http://ipaymu-standin:9300" },    // not this machine
    };

    [Theory]
    [MemberData(nameof(RealMoney))]
    public async Task A_test_clock_against_real_iPaymu_stops_start_up_naming_the_setting(string? sandbox, string? baseUrl)
    {
        using var host = Host(new() { ["BILLING_TEST_CLOCK"] = "2026-11-01T02:00:00Z", ["IPAYMU_SANDBOX"] = sandbox, ["IPAYMU_BASE_URL"] = baseUrl });
        var ex = await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync());
        Assert.Equal(TestClockGuard.Refusal, StartupFailure.Describe(ex));
        Assert.StartsWith("BILLING_TEST_CLOCK", StartupFailure.Describe(ex), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("true", null)]
    [InlineData(null, "http://127.0.0.1:9300")]
    [InlineData("false", "https://sandbox.ipaymu.com")]
    public async Task A_test_clock_against_the_sandbox_or_a_loopback_stand_in_starts(string? sandbox, string? baseUrl)
    {
        using var host = Host(new() { ["BILLING_TEST_CLOCK"] = "2026-11-01T02:00:00Z", ["IPAYMU_SANDBOX"] = sandbox, ["IPAYMU_BASE_URL"] = baseUrl });
        await host.StartAsync();
        Assert.IsType<TestClock>(host.Services.GetRequiredService<BillingClock>().Time);
        await host.StopAsync();
    }

    [Fact]
    public async Task Without_a_test_clock_real_iPaymu_is_fine()
    {
        using var host = Host(new() { ["IPAYMU_SANDBOX"] = "false" });
        await host.StartAsync();
        Assert.Equal(IPaymuOptions.ProductionHost, host.Services.GetRequiredService<IOptions<IPaymuOptions>>().Value.Host);
        await host.StopAsync();
    }

    [Fact]
    public void The_test_clock_is_still_refused_in_Production_even_against_the_sandbox()
    {
        var ex = Assert.Throws<StartupException>(() => Host(new() { ["BILLING_TEST_CLOCK"] = "2026-11-01T02:00:00Z", ["IPAYMU_SANDBOX"] = "true" }, "Production"));
        Assert.Contains("BILLING_TEST_CLOCK", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("short")]
    [InlineData("0123456789012345678901234567890")] // 31
    public void A_cron_secret_under_32_characters_stops_start_up_without_printing_it(string secret)
    {
        var ex = Assert.Throws<StartupException>(() => BillingOptions.FromConfiguration(Config(new() { ["BILLING_CRON_SECRET"] = secret })));
        Assert.StartsWith("BILLING_CRON_SECRET", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_cron_secret_of_32_characters_or_none_is_accepted()
    {
        var secret = new string('k', 32);
        Assert.Equal(secret, BillingOptions.FromConfiguration(Config(new() { ["BILLING_CRON_SECRET"] = secret })).CronSecret);
        Assert.Null(BillingOptions.FromConfiguration(Config(new())).CronSecret);
    }

    private static Dictionary<string, string?> GoodClerk() => new()
    {
        ["CLERK_ISSUER"] = "https://clerk.billing.test",
        ["CLERK_AUTHORIZED_PARTIES"] = "https://app.billing.test",
        ["CLERK_JWKS_URL"] = "https://clerk.billing.test/.well-known/jwks.json",
    };

    [Theory]
    [InlineData("CLERK_ISSUER", null)]
    [InlineData("CLERK_ISSUER", "  ")]
    [InlineData("CLERK_AUTHORIZED_PARTIES", null)]
    [InlineData("CLERK_AUTHORIZED_PARTIES", " , ")]
    [InlineData("CLERK_JWKS_URL", "http://clerk.billing.test/.well-known/jwks.json")]
    public void In_Production_Clerk_issuer_and_parties_are_required_and_the_JWKS_URL_must_be_https(string setting, string? value)
    {
        var settings = GoodClerk();
        settings[setting] = value;
        var ex = Assert.Throws<StartupException>(() => ClerkOptions.FromConfiguration(Config(settings), production: true));
        Assert.StartsWith(setting, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Outside_Production_none_of_them_is_required_and_a_loopback_http_JWKS_is_fine()
    {
        var o = ClerkOptions.FromConfiguration(Config(new() { ["CLERK_JWKS_URL"] = "http://127.0.0.1:5000/jwks" }), production: false);
        Assert.Null(o.Issuer);
        Assert.Empty(o.AuthorizedParties);
        Assert.False(o.RequireHttps);
        var production = ClerkOptions.FromConfiguration(Config(GoodClerk()), production: true);
        Assert.True(production.RequireHttps);
        Assert.Equal(["https://app.billing.test"], production.AuthorizedParties);
    }

    [Fact]
    public void The_admin_organization_is_read_from_CLERK_ADMIN_ORG_ID()
    {
        Assert.Equal("org_ops", ClerkOptions.FromConfiguration(Config(new() { ["CLERK_ADMIN_ORG_ID"] = " org_ops " }), false).AdminOrganizationId);
        Assert.Null(ClerkOptions.FromConfiguration(Config(new()), false).AdminOrganizationId);
    }
}
