using BillingCycle.IPaymu;

namespace BillingCycle.Api.Infrastructure.Time;

public static class ClockExtensions
{
    /// <summary>
    /// One TimeProvider for every billing decision (contract §6.9): the system clock, or a frozen
    /// movable clock when BILLING_TEST_CLOCK is set (refused in Production, and unless iPaymu is
    /// the sandbox or a loopback stand-in: <see cref="TestClockGuard"/>).
    /// </summary>
    public static IHostApplicationBuilder AddClock(this IHostApplicationBuilder builder)
    {
        // The zone customers read times in (BILLING_TIME_ZONE); the clock itself stays UTC.
        builder.Services.AddSingleton(CustomerTime.FromConfiguration(builder.Configuration));
        var start = builder.Configuration["BILLING_TEST_CLOCK"];
        if (string.IsNullOrWhiteSpace(start))
        {
            builder.Services.AddSingleton(new BillingClock(TimeProvider.System));
            builder.Services.AddSingleton(new TransportClock(TimeProvider.System.GetUtcNow));
            return builder;
        }

        if (builder.Environment.IsProduction())
        {
            throw new StartupException("BILLING_TEST_CLOCK is refused when ASPNETCORE_ENVIRONMENT=Production");
        }
        if (!DateTimeOffset.TryParse(start, System.Globalization.CultureInfo.InvariantCulture,
                System.Globalization.DateTimeStyles.AssumeUniversal, out var at))
        {
            throw new StartupException("BILLING_TEST_CLOCK is not an ISO-8601 instant");
        }

        // The iPaymu host is known once its options are bound (PaymentsApi parses IPAYMU_*): the
        // check runs at host start, before migrations and before anything is billed.
        builder.Services.AddOptions<IPaymuOptions>()
            .Validate(TestClockGuard.Allows, TestClockGuard.Refusal)
            .ValidateOnStart();

        var clock = new TestClock(at.ToUniversalTime());
        builder.Services.AddSingleton(clock);
        builder.Services.AddSingleton(new BillingClock(clock));
        builder.Services.AddSingleton(new TransportClock(clock.TransportNow));
        return builder;
    }
}
