using System.Globalization;
using BillingCycle.Api.Infrastructure;

namespace BillingCycle.Api.Housekeeping;

/// <summary>Housekeeping settings (contract §7.9, §10.4), read from the environment and validated at start-up.</summary>
public sealed class HousekeepingOptions
{
    /// <summary>BILLING_RETENTION_DAYS: how long unverified and unparsable callbacks are kept.</summary>
    public int RetentionDays { get; init; } = 90;

    /// <summary>
    /// BILLING_IDEMPOTENCY_HOURS: how long an Idempotency-Key's answer is kept (and the key refused
    /// for another request); after that housekeeping deletes it. 24 by default, as Stripe keeps them.
    /// </summary>
    public int IdempotencyHours { get; init; } = 24;

    public static HousekeepingOptions FromConfiguration(IConfiguration c) => new()
    {
        RetentionDays = Whole(c["BILLING_RETENTION_DAYS"], 90, 1, 3650,
            "BILLING_RETENTION_DAYS must be a whole number of days from 1 to 3650"),
        IdempotencyHours = Whole(c["BILLING_IDEMPOTENCY_HOURS"], 24, 1, 8760,
            "BILLING_IDEMPOTENCY_HOURS must be a whole number of hours from 1 to 8760"),
    };

    private static int Whole(string? raw, int fallback, int min, int max, string error)
    {
        if (raw is not { Length: > 0 })
        {
            return fallback;
        }
        return int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new StartupException(error);
    }
}
