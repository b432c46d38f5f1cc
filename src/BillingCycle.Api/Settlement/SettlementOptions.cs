using System.Globalization;
using BillingCycle.Api.Infrastructure;

namespace BillingCycle.Api.Settlement;

/// <summary>Settlement settings (contract §2), read from the environment and validated at start-up.</summary>
public sealed class SettlementOptions
{
    /// <summary>BILLING_DUNNING_DAYS: days before retries 1..5 (a failed attempt schedules the next).</summary>
    public IReadOnlyList<int> DunningDays { get; init; } = [1, 2, 4, 7, 14];

    /// <summary>How long past expires_at an unpaid attempt is kept open before it is expired (contract §4.9).</summary>
    public TimeSpan ExpiryGrace { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Open attempts settled per reconciliation page.</summary>
    public int ReconcileBatch { get; init; } = 2_000;

    /// <summary>
    /// BILLING_RECONCILE_HISTORY_PAGES: pages of iPaymu history (20 transactions each) one run may
    /// read to find transactions of attempts whose callback never came. A history longer than
    /// that proves nothing about the attempts it did not reach: they are left open, not expired.
    /// </summary>
    public int ReconcileHistoryPages { get; init; } = 250;

    public static SettlementOptions FromConfiguration(IConfiguration c)
    {
        var dunning = new SettlementOptions().DunningDays;
        if (c["BILLING_DUNNING_DAYS"] is { Length: > 0 } days)
        {
            var parsed = days.Split(',', StringSplitOptions.TrimEntries)
                .Select(p => int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var d) && d is >= 1 and <= 365 ? d : -1)
                .ToList();
            if (parsed.Count != 5 || parsed.Contains(-1))
            {
                throw new StartupException("BILLING_DUNNING_DAYS must be five whole numbers of days (1..365), e.g. 1,2,4,7,14");
            }
            dunning = parsed;
        }
        var pages = 250;
        if (c["BILLING_RECONCILE_HISTORY_PAGES"] is { Length: > 0 } raw)
        {
            pages = int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p is >= 1 and <= 100_000
                ? p
                : throw new StartupException("BILLING_RECONCILE_HISTORY_PAGES must be a whole number from 1 to 100000");
        }
        return new SettlementOptions { DunningDays = dunning, ReconcileHistoryPages = pages };
    }
}
