using BillingCycle.IntegrationTests.Infrastructure;
using BillingCycle.TestSupport;

namespace BillingCycle.IntegrationTests.Subscriptions;

/// <summary>
/// The arithmetic of contract §7.5 (proration) and §7.8 (tax). It lives in two pure SQL functions so
/// every invoice, whoever makes it, is computed alike; these cases run them on the real server.
/// </summary>
public sealed class ProrationAndTaxTests(DatabaseFixture fx) : IClassFixture<DatabaseFixture>
{
    [Theory]
    // 31 Jan → 28 Feb (2027, not leap): 28 days; half way is 14 Feb 00:00.
    [InlineData(49_000, 149_000, "2027-01-31 00:00Z", "2027-02-28 00:00Z", "2027-02-14 00:00Z", 50_000)]
    // 31 Jan → 29 Feb (2028, leap): 29 days; 10 days left of 29.
    [InlineData(49_000, 149_000, "2028-01-31 00:00Z", "2028-02-29 00:00Z", "2028-02-19 00:00Z", 34_483)]
    // A 31-day month, one second after it starts: the whole difference, rounded half up.
    [InlineData(0, 1_000, "2026-12-01 00:00Z", "2027-01-01 00:00Z", "2026-12-01 00:00:01Z", 1_000)]
    // 1 rupiah × 0.5 rounds up to 1 (half up, not to even).
    [InlineData(0, 1, "2026-11-01 00:00Z", "2026-11-03 00:00Z", "2026-11-02 00:00Z", 1)]
    // At or after the period end, or a cheaper plan: nothing to charge.
    [InlineData(49_000, 149_000, "2026-11-01 00:00Z", "2026-12-01 00:00Z", "2026-12-01 00:00Z", 0)]
    [InlineData(149_000, 49_000, "2026-11-01 00:00Z", "2026-12-01 00:00Z", "2026-11-15 00:00Z", 0)]
    public async Task Proration_is_the_difference_times_the_remaining_share_of_the_period_rounded_half_up(
        long oldPrice, long newPrice, string start, string end, string now, long expected)
    {
        Assert.Equal(expected, await fx.Db.ScalarAsync<long>(
            "SELECT billing_proration($1, $2, $3::timestamptz, $4::timestamptz, $5::timestamptz)", oldPrice, newPrice, start, end, now));
    }

    [Theory]
    // Inclusive 11 %: 149,000 × 11/111 = 14,765.77 → 14,766 shown inside the price.
    [InlineData(149_000, 11, true, 149_000, 14_766, 134_234)]
    // Exclusive 11 %: 16,390 added on top.
    [InlineData(149_000, 11, false, 165_390, 16_390, 149_000)]
    // 0 %: invoices exactly as without tax, no line.
    [InlineData(149_000, 0, true, 149_000, -1, -1)]
    public async Task Tax_is_shown_inside_inclusive_prices_and_added_to_exclusive_ones(
        long price, int rate, bool inclusive, long amount, long tax, long taxableBase)
    {
        var settings = $$"""{"rate": {{rate}}, "name": "PPN", "inclusive": {{(inclusive ? "true" : "false")}}}""";
        Assert.Equal(amount, await fx.Db.ScalarAsync<long>("SELECT amount FROM billing_compose_invoice($1, 0, $2::jsonb)", price, settings));
        var line = await fx.Db.ScalarAsync<string?>("SELECT tax_line::text FROM billing_compose_invoice($1, 0, $2::jsonb)", price, settings);
        if (tax < 0)
        {
            Assert.Null(line);
            return;
        }
        using var doc = System.Text.Json.JsonDocument.Parse(line!);
        Assert.Equal("tax", doc.RootElement.GetProperty("type").GetString());
        Assert.Equal(tax, doc.RootElement.GetProperty("amount").GetInt64());
        Assert.Equal(taxableBase, doc.RootElement.GetProperty("taxable_base").GetInt64());
    }

    [Fact]
    public async Task A_renewal_with_exclusive_tax_charges_the_price_plus_tax_and_shows_the_line()
    {
        await using var h = await BillingHarness.StartAsync(new() { ["BILLING_TAX_PERCENT"] = "11", ["BILLING_PRICES_INCLUDE_TAX"] = "false" });
        var (sub, _) = await h.DueSubscriptionAsync(price: 100_000);

        await h.RenewAsync();

        Assert.Equal("111000|11000|PPN", await h.Db.ScalarAsync<string>("""
            SELECT amount || '|' || (line_items->'tax'->>'amount') || '|' || (line_items->'tax'->>'name')
              FROM invoices WHERE subscription_id = $1
            """, sub));
        Assert.Equal(111_000, await h.Db.ScalarAsync<long>(
            "SELECT p.amount FROM payments p JOIN invoices i ON i.id = p.invoice_id WHERE i.subscription_id = $1", sub));
    }
}
