using System.Globalization;
using BillingCycle.Api.Infrastructure;

namespace BillingCycle.Api.Deliveries;

/// <summary>The delivery worker's settings (contract §8.1), read from the environment and validated at start-up.</summary>
public sealed class DeliveryOptions
{
    /// <summary>BILLING_DELIVERY_INTERVAL: how often each instance looks for due deliveries (real time: a transport concern).</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>BILLING_DELIVERY_CONCURRENCY: sends in flight at once in one instance (1..64).</summary>
    public int Concurrency { get; init; } = 4;

    /// <summary>Rows one lane claims at a time: small, so a crash or a slow receiver holds few.</summary>
    public int BatchSize { get; init; } = 5;

    /// <summary>
    /// How long a claimed row stays out of everyone else's reach (billing clock). Longer than a
    /// batch can take (5 sends of at most 10 s for webhooks, 30 s for SMTP); a worker that died
    /// leaves its rows due again when it ends. Equal to no retry wait, so a leased row can always
    /// be told from one waiting for its retry.
    /// </summary>
    public TimeSpan Lease { get; init; } = TimeSpan.FromMinutes(4);

    public static DeliveryOptions FromConfiguration(IConfiguration c)
    {
        var defaults = new DeliveryOptions();
        var interval = defaults.Interval;
        if (c["BILLING_DELIVERY_INTERVAL"] is { Length: > 0 } rawInterval
            && !(TimeSpan.TryParse(rawInterval.Trim(), CultureInfo.InvariantCulture, out interval)
                 && interval >= TimeSpan.FromMilliseconds(50) && interval <= TimeSpan.FromHours(1)))
        {
            throw new StartupException("BILLING_DELIVERY_INTERVAL must be a TimeSpan from 00:00:00.05 to 01:00:00, e.g. 00:00:05");
        }
        var concurrency = defaults.Concurrency;
        if (c["BILLING_DELIVERY_CONCURRENCY"] is { Length: > 0 } rawConcurrency
            && !(int.TryParse(rawConcurrency, NumberStyles.None, CultureInfo.InvariantCulture, out concurrency)
                 && concurrency is >= 1 and <= 64))
        {
            throw new StartupException("BILLING_DELIVERY_CONCURRENCY must be a whole number from 1 to 64");
        }
        return new DeliveryOptions { Interval = interval, Concurrency = concurrency };
    }
}
