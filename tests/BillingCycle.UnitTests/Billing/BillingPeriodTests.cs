using BillingCycle.Api.Billing;

namespace BillingCycle.UnitTests.Billing;

public sealed class BillingPeriodTests
{
    private static DateTimeOffset Utc(int y, int m, int d, int h = 10, int min = 0) => new(y, m, d, h, min, 0, TimeSpan.Zero);

    public static TheoryData<DateTimeOffset, int, DateTimeOffset> Ends() => new()
    {
        // Anchors on the 28th..31st, across February in common and leap years, and across December.
        { Utc(2026, 1, 31), 1, Utc(2026, 2, 28) },
        { Utc(2028, 1, 31), 1, Utc(2028, 2, 29) },
        { Utc(2026, 1, 31), 2, Utc(2026, 3, 31) },
        { Utc(2026, 1, 30), 1, Utc(2026, 2, 28) },
        { Utc(2026, 1, 30), 2, Utc(2026, 3, 30) },
        { Utc(2026, 1, 29), 1, Utc(2026, 2, 28) },
        { Utc(2028, 1, 29), 1, Utc(2028, 2, 29) },
        { Utc(2026, 1, 28), 1, Utc(2026, 2, 28) },
        { Utc(2026, 1, 28), 2, Utc(2026, 3, 28) },
        { Utc(2026, 12, 31), 1, Utc(2027, 1, 31) },
        { Utc(2026, 11, 30), 1, Utc(2026, 12, 30) },
        { Utc(2026, 11, 30), 2, Utc(2027, 1, 30) },
        { Utc(2026, 12, 15, 23, 59), 1, Utc(2027, 1, 15, 23, 59) },
        { Utc(2026, 3, 31), 1, Utc(2026, 4, 30) },
        { Utc(2026, 3, 31), 2, Utc(2026, 5, 31) },
        { Utc(2027, 2, 28), 12, Utc(2028, 2, 28) },
        { Utc(2028, 2, 29), 12, Utc(2029, 2, 28) },
        { Utc(2028, 2, 29), 48, Utc(2032, 2, 29) },
    };

    [Theory]
    [MemberData(nameof(Ends))]
    public void Period_ends_are_calendar_months_from_the_anchor_clamped_to_month_end(DateTimeOffset anchor, int k, DateTimeOffset expected)
    {
        Assert.Equal(expected, BillingPeriod.End(anchor, k));
        Assert.Equal(k, BillingPeriod.IndexOfEnd(anchor, expected));
    }

    [Fact]
    public void Twelve_successive_periods_from_a_31_January_anchor_end_on_the_right_days()
    {
        var anchor = Utc(2026, 1, 31);
        var expected = new[] { "02-28", "03-31", "04-30", "05-31", "06-30", "07-31", "08-31", "09-30", "10-31", "11-30", "12-31", "01-31" };
        var end = anchor;
        var ends = new List<string>();
        for (var i = 0; i < 12; i++)
        {
            var (start, next) = BillingPeriod.Next(anchor, end);
            Assert.Equal(end, start); // a renewed period starts where the last one ended
            Assert.Equal(10, next.Hour); // time of day kept
            ends.Add(next.ToString("MM-dd", System.Globalization.CultureInfo.InvariantCulture));
            end = next;
        }
        Assert.Equal(expected, ends);
        Assert.Equal(Utc(2027, 1, 31), end);
    }

    [Fact]
    public void The_next_period_is_computed_from_the_anchor_not_from_the_previous_end()
    {
        // Stepping from 28 Feb by "one month" would give 28 Mar; from the anchor it is 31 Mar.
        var (_, end) = BillingPeriod.Next(Utc(2026, 1, 31), Utc(2026, 2, 28));
        Assert.Equal(Utc(2026, 3, 31), end);
    }

    [Fact]
    public void A_period_end_off_the_anchor_grid_moves_to_the_next_grid_point()
    {
        var anchor = Utc(2026, 1, 15);
        var (start, end) = BillingPeriod.Next(anchor, Utc(2026, 3, 20));
        Assert.Equal(Utc(2026, 3, 20), start);
        Assert.Equal(Utc(2026, 4, 15), end);
    }

    [Fact]
    public void Non_utc_anchors_are_handled_in_utc()
    {
        var anchor = new DateTimeOffset(2026, 1, 31, 17, 0, 0, TimeSpan.FromHours(7)); // 10:00 UTC
        Assert.Equal(Utc(2026, 2, 28), BillingPeriod.End(anchor, 1));
    }

    public static TheoryData<DateTimeOffset, DateTimeOffset, DateTimeOffset> YearlyPeriods() => new()
    {
        // contract §11.1: 12 calendar months by §4.2, each end from the anchor, so a 29 February
        // anchor clamps to the 28th in common years and comes back to the 29th in leap years.
        { Utc(2028, 2, 29), Utc(2028, 2, 29), Utc(2029, 2, 28) },
        { Utc(2028, 2, 29), Utc(2029, 2, 28), Utc(2030, 2, 28) },
        { Utc(2028, 2, 29), Utc(2031, 2, 28), Utc(2032, 2, 29) },
        { Utc(2028, 1, 31), Utc(2028, 1, 31), Utc(2029, 1, 31) },
        // A monthly subscription that moves to a yearly plan at its renewal keeps the anchor's grid.
        { Utc(2028, 1, 31), Utc(2028, 2, 29), Utc(2029, 2, 28) },
        { Utc(2028, 1, 31), Utc(2028, 3, 31), Utc(2029, 3, 31) },
    };

    [Theory]
    [MemberData(nameof(YearlyPeriods))]
    public void A_yearly_period_is_twelve_months_of_the_anchors_grid(DateTimeOffset anchor, DateTimeOffset currentEnd, DateTimeOffset end)
    {
        Assert.Equal((currentEnd, end), BillingPeriod.Next(anchor, currentEnd, 12));
    }
}
