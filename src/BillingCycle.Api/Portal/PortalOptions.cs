using System.Globalization;
using BillingCycle.Api.Infrastructure;

namespace BillingCycle.Api.Portal;

/// <summary>The portal's settings (contract §14), read once and validated at start-up.</summary>
public sealed record PortalOptions(TimeSpan LinkLifetime, int RequestsPerMinute)
{
    /// <summary>A session lives at most an hour (contract §14); the table's check holds the same bound.</summary>
    public static readonly TimeSpan SessionLifetime = TimeSpan.FromHours(1);

    /// <summary>
    /// How long housekeeping keeps a link or session row after it expired: a week, so a customer's
    /// "the link said used" can be looked into; after that the row (a hash, a user id, times) only grows
    /// the tables. A pruned link followed again is "unknown" (404) instead of "used" (410).
    /// </summary>
    public static readonly TimeSpan Retention = TimeSpan.FromDays(7);

    public static PortalOptions FromConfiguration(IConfiguration c) => new(
        TimeSpan.FromMinutes(Int(c["BILLING_PORTAL_LINK_MINUTES"], "BILLING_PORTAL_LINK_MINUTES", 1, 60) ?? 5),
        Int(c["BILLING_PORTAL_RATE_LIMIT_PER_MINUTE"], "BILLING_PORTAL_RATE_LIMIT_PER_MINUTE", 1, 1_000_000) ?? 60);

    private static int? Int(string? value, string name, int min, int max)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }
        return int.TryParse(value.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v >= min && v <= max
            ? v
            : throw new StartupException($"{name} must be a whole number from {min} to {max}");
    }
}
