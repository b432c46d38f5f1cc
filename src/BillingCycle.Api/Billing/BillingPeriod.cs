namespace BillingCycle.Api.Billing;

/// <summary>
/// Billing periods are calendar months counted from the anchor (contract §4.2): period k ends at
/// anchor + k months, clamped to the month's last day, time of day kept, all in UTC. Every end is
/// computed from the anchor and the index — never from the previous end — so a short February
/// does not drag the following months to the 28th.
/// </summary>
public static class BillingPeriod
{
    /// <summary>The end of period <paramref name="k"/> (k = 1 is the first period's end).</summary>
    public static DateTimeOffset End(DateTimeOffset anchor, int k)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        // DateTime.AddMonths clamps to the last valid day and keeps the time of day.
        return new DateTimeOffset(anchor.UtcDateTime.AddMonths(k), TimeSpan.Zero);
    }

    /// <summary>The index k of the period that ends at <paramref name="end"/> (months between anchor and end).</summary>
    public static int IndexOfEnd(DateTimeOffset anchor, DateTimeOffset end)
    {
        var a = anchor.UtcDateTime;
        var e = end.UtcDateTime;
        return (e.Year - a.Year) * 12 + e.Month - a.Month;
    }

    /// <summary>
    /// The period after the one ending at <paramref name="currentEnd"/>: it starts there and lasts
    /// <paramref name="months"/> calendar months of the anchor's grid (12 for a yearly plan, contract §11.1).
    /// </summary>
    public static (DateTimeOffset Start, DateTimeOffset End) Next(DateTimeOffset anchor, DateTimeOffset currentEnd, int months = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(months, 1);
        var k = Math.Max(IndexOfEnd(anchor, currentEnd), 0) + months;
        var end = End(anchor, k);
        while (end <= currentEnd)
        {
            // A period end written by hand off the anchor's grid: move to the next grid point.
            end = End(anchor, ++k);
        }
        return (currentEnd, end);
    }
}
