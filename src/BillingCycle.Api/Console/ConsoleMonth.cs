using System.Globalization;

namespace BillingCycle.Api.Console;

/// <summary>A calendar month in UTC, as the console's <c>?month=YYYY-MM</c> names it.</summary>
public readonly record struct ConsoleMonth(int Year, int Month)
{
    public DateTimeOffset Start => new(Year, Month, 1, 0, 0, 0, TimeSpan.Zero);

    public DateTimeOffset End => Start.AddMonths(1);

    public ConsoleMonth Previous => From(Start.AddMonths(-1));

    public ConsoleMonth Next => From(Start.AddMonths(1));

    public static ConsoleMonth From(DateTimeOffset at)
    {
        var utc = at.ToUniversalTime();
        return new ConsoleMonth(utc.Year, utc.Month);
    }

    /// <summary>Exactly <c>YYYY-MM</c> (years 2000–2999); anything else is not a month.</summary>
    public static bool TryParse(string? text, out ConsoleMonth month)
    {
        month = default;
        if (text is not { Length: 7 } || text[4] != '-'
            || !int.TryParse(text.AsSpan(0, 4), NumberStyles.None, CultureInfo.InvariantCulture, out var y)
            || !int.TryParse(text.AsSpan(5, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var m)
            || y is < 2000 or > 2999 || m is < 1 or > 12)
        {
            return false;
        }
        month = new ConsoleMonth(y, m);
        return true;
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Year:D4}-{Month:D2}");

    /// <summary>"November 2026".</summary>
    public string Label => Start.ToString("MMMM yyyy", CultureInfo.InvariantCulture);
}
