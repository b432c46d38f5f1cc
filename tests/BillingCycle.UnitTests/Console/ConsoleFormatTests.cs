using BillingCycle.Api.Console;
using BillingCycle.Api.Console.Data;

namespace BillingCycle.UnitTests.Console;

public sealed class ConsoleFormatTests
{
    [Theory]
    [InlineData("2026-11", 2026, 11)]
    [InlineData("2000-01", 2000, 1)]
    [InlineData("2999-12", 2999, 12)]
    public void A_month_is_exactly_yyyy_mm(string text, int year, int month)
    {
        Assert.True(ConsoleMonth.TryParse(text, out var m));
        Assert.Equal(new ConsoleMonth(year, month), m);
        Assert.Equal(text, m.ToString());
        Assert.Equal(new DateTimeOffset(year, month, 1, 0, 0, 0, TimeSpan.Zero), m.Start);
        Assert.Equal(m.Start.AddMonths(1), m.End);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("2026-13")]
    [InlineData("2026-00")]
    [InlineData("2026-1")]
    [InlineData("26-11")]
    [InlineData("2026/11")]
    [InlineData("2026-11-01")]
    [InlineData("+026-11")]
    [InlineData("1999-12")]
    public void Anything_else_is_not_a_month(string? text) => Assert.False(ConsoleMonth.TryParse(text, out _));

    [Fact]
    public void Months_step_across_years_in_utc()
    {
        var december = ConsoleMonth.From(new DateTimeOffset(2027, 1, 1, 5, 0, 0, TimeSpan.FromHours(7))); // 2026-12-31 22:00 UTC
        Assert.Equal("2026-12", december.ToString());
        Assert.Equal("2027-01", december.Next.ToString());
        Assert.Equal("2026-11", december.Previous.ToString());
        Assert.Equal("December 2026", december.Label);
    }

    [Theory]
    [InlineData(149_000, "IDR 149,000")]
    [InlineData(0, "IDR 0")]
    [InlineData(1_043_000, "IDR 1,043,000")]
    public void Money_is_written_as_the_seed_writes_it(long amount, string expected) => Assert.Equal(expected, Format.Idr(amount));

    [Theory]
    [InlineData("ayu", "ayu")]
    [InlineData("100%", "100\\%")]
    [InlineData("user_", "user\\_")]
    [InlineData("a\\b", "a\\\\b")]
    public void Search_wildcards_in_a_query_are_matched_literally(string query, string escaped) =>
        Assert.Equal(escaped, CustomerStore.EscapeLike(query));

    [Theory]
    [InlineData("https://evil.example/")]
    [InlineData("//evil.example/admin")]
    [InlineData("admin")]
    public void After_an_action_the_console_only_redirects_to_its_own_paths(string location) =>
        Assert.Throws<ArgumentException>(() => new SeeOther(location));

    [Fact]
    public void Stored_json_is_shown_indented_and_anything_else_as_it_is()
    {
        Assert.Equal("{\n  \"a\": 1\n}", Format.Json("{\"a\":1}").Replace("\r", "", StringComparison.Ordinal));
        Assert.Equal("not json <b>", Format.Json("not json <b>"));
        Assert.Equal("—", Format.Json(null));
    }
}
