using System.Net.Http.Headers;
using BillingCycle.Api.Infrastructure.Time;
using BillingCycle.TestSupport;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace BillingCycle.IntegrationTests.Infrastructure;

/// <summary>
/// The real app (Program) in-process on a real database, with real Clerk-style tokens, iPaymu
/// pointed at the stand-in when one is given, and the billing clock replaced by a fake clock.
/// </summary>
public sealed class ApiFactory(TestDatabase db, ClerkTokens tokens, IDictionary<string, string?>? settings = null,
    FakeTimeProvider? clock = null) : WebApplicationFactory<Program>
{
    public const string CronSecret = "test-cron-secret-0123456789-abcdef";
    public const string EventsSecret = "test-events-secret-0123456789-abcdef";

    public FakeTimeProvider Clock { get; } = clock ?? new FakeTimeProvider(new DateTimeOffset(2026, 11, 1, 2, 0, 0, TimeSpan.Zero));

    public ClerkTokens Tokens => tokens;

    public TestDatabase Db => db;

    /// <summary>Extra service registrations (for example a log capture), applied after the app's own.</summary>
    public Action<IServiceCollection>? ExtraServices { get; init; }

    /// <summary>False: keep the app's own clock (BILLING_TEST_CLOCK) instead of the fake one.</summary>
    public bool UseFakeClock { get; init; } = true;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        var all = new Dictionary<string, string?>
        {
            ["DATABASE_URL"] = db.ConnectionString,
            ["CLERK_JWT_KEY"] = tokens.PublicKeyPem,
            ["BILLING_CRON_SECRET"] = CronSecret,
            ["BILLING_EVENTS_SECRET"] = EventsSecret,
            ["BILLING_SCHEDULER_ENABLED"] = "false",
            ["IPAYMU_VA"] = StandInHost.Va,
            ["IPAYMU_API_KEY"] = StandInHost.ApiKey,
            ["IPAYMU_BASE_URL"] = "http://127.0.0.1:9",
            ["PUBLIC_BASE_URL"] = "https://billing.test",
            ["APP_URL"] = "https://app.billing.test",
            // Tests post far more callbacks from one address than a real iPaymu; the limit has its own tests.
            ["BILLING_RATE_LIMIT_PER_MINUTE"] = "1000000",
        };
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>())
        {
            all[k] = v;
        }
        foreach (var (k, v) in all)
        {
            builder.UseSetting(k, v);
        }
        // The host's environment is not an ordinary setting: UseSetting("ASPNETCORE_ENVIRONMENT")
        // alone leaves the factory's default (Development).
        if (all.TryGetValue("ASPNETCORE_ENVIRONMENT", out var environment) && !string.IsNullOrEmpty(environment))
        {
            builder.UseEnvironment(environment);
        }
        builder.ConfigureTestServices(services =>
        {
            if (UseFakeClock)
            {
                services.AddSingleton(new BillingClock(Clock));
                // Deliveries' back-off follows the fake clock too: these tests move it to reach a retry.
                services.AddSingleton(new TransportClock(Clock.GetUtcNow));
            }
            ExtraServices?.Invoke(services);
        });
    }

    public HttpClient ClientFor(string? bearer)
    {
        var c = CreateClient();
        if (bearer is not null)
        {
            c.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }
        return c;
    }

    public HttpClient Cron() => ClientFor(CronSecret);

    /// <summary>A reader of the events feed (BILLING_EVENTS_SECRET).</summary>
    public HttpClient Events() => ClientFor(EventsSecret);
}
