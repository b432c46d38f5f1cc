using System.Globalization;
using BillingCycle.Api.Infrastructure;

namespace BillingCycle.Api.Housekeeping;

/// <summary>Housekeeping settings (SPEC §7.9, §10.4), read from the environment and validated at start-up.</summary>
public sealed class HousekeepingOptions
{
    /// <summary>BILLING_RETENTION_DAYS: how long unverified and unparsable callbacks are kept.</summary>
    public int RetentionDays { get; init; } = 90;

    public static HousekeepingOptions FromConfiguration(IConfiguration c)
    {
        if (c["BILLING_RETENTION_DAYS"] is not { Length: > 0 } raw)
        {
            return new HousekeepingOptions();
        }
        return int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var days) && days is >= 1 and <= 3650
            ? new HousekeepingOptions { RetentionDays = days }
            : throw new StartupException("BILLING_RETENTION_DAYS must be a whole number of days from 1 to 3650");
    }
}
