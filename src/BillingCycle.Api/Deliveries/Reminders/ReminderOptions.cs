using System.Globalization;
using BillingCycle.Api.Infrastructure;

namespace BillingCycle.Api.Deliveries.Reminders;

/// <summary>BILLING_REMINDER_DAYS, BILLING_UNPAID_REMINDER_HOURS (contract §8.3) and BILLING_TRIAL_REMINDER_DAYS (§11.2), validated at start-up.</summary>
public sealed class ReminderOptions
{
    /// <summary>Days before current_period_end that billing_upcoming_renewal goes out.</summary>
    public int UpcomingDays { get; init; } = 3;

    /// <summary>Hours after an attempt was created that billing_payment_reminder goes out while it is unpaid.</summary>
    public int UnpaidHours { get; init; } = 12;

    /// <summary>Days before trial_end that trial_will_end goes out.</summary>
    public int TrialDays { get; init; } = 3;

    public static ReminderOptions FromConfiguration(IConfiguration c) => new()
    {
        UpcomingDays = Int(c["BILLING_REMINDER_DAYS"], "BILLING_REMINDER_DAYS", 1, 27) ?? 3,
        UnpaidHours = Int(c["BILLING_UNPAID_REMINDER_HOURS"], "BILLING_UNPAID_REMINDER_HOURS", 1, 24 * 14) ?? 12,
        TrialDays = Int(c["BILLING_TRIAL_REMINDER_DAYS"], "BILLING_TRIAL_REMINDER_DAYS", 1, 30) ?? 3,
    };

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
