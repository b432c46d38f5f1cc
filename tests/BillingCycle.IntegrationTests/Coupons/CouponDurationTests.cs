using System.Net;

namespace BillingCycle.IntegrationTests.Coupons;

/// <summary>contract §11.3, §12.1: once, repeating and forever counted per period invoice across three renewals; tax after the discount.</summary>
public sealed class CouponDurationTests : IAsyncLifetime
{
    private CouponWorld _c = null!;

    public async Task InitializeAsync() => _c = await CouponWorld.StartAsync();

    public async Task DisposeAsync() => await _c.DisposeAsync();

    [Fact]
    public async Task Each_duration_discounts_the_period_invoices_it_lasts_for_across_three_renewals()
    {
        await _c.CouponAsync(new { code = "ONCE20", name = "Once", percent_off = 20, duration = "once" });
        await _c.CouponAsync(new { code = "TWICE10K", name = "Twice", amount_off = 10_000, duration = "repeating", duration_in_periods = 2 });
        await _c.CouponAsync(new { code = "ALWAYS15", name = "Always", percent_off = 15, duration = "forever" });
        await _c.SubscribeAsync("u_once", _c.W.Pro, "ONCE20");
        await _c.SubscribeAsync("u_rep", _c.W.Pro, "TWICE10K");
        await _c.SubscribeAsync("u_ever", _c.W.Starter, "ALWAYS15");

        for (var i = 0; i < 3; i++)
        {
            _c.W.H.Api.Clock.Advance(TimeSpan.FromDays(31));
            await _c.W.H.RenewAsync();
            foreach (var user in new[] { "u_once", "u_rep", "u_ever" })
            {
                (await _c.W.PayLatestAsync(user)).EnsureSuccessStatusCode();
            }
        }

        Assert.Equal("119200/29800/paid 149000/-/paid 149000/-/paid 149000/-/paid", await _c.InvoicesAsync("u_once"));
        Assert.Equal("139000/10000/paid 139000/10000/paid 149000/-/paid 149000/-/paid", await _c.InvoicesAsync("u_rep"));
        // 49,000 × 15 % = 7,350.
        Assert.Equal("41650/7350/paid 41650/7350/paid 41650/7350/paid 41650/7350/paid", await _c.InvoicesAsync("u_ever"));
        Assert.Equal("ALWAYS15=4 ONCE20=1 TWICE10K=2", await _c.W.H.Db.ScalarAsync<string>("""
            SELECT string_agg(k.code || '=' || r.periods_used, ' ' ORDER BY k.code)
              FROM coupon_redemptions r JOIN coupons k ON k.id = r.coupon_id
            """));
        Assert.Equal("{\"name\": \"Once\", \"amount\": 29800, \"coupon_code\": \"ONCE20\", \"percent_off\": 20}", await _c.W.H.Db.ScalarAsync<string>(
            "SELECT (line_items->'discount')::text FROM invoices WHERE user_id = 'u_once' AND kind = 'subscription_create'"));
    }

    [Fact]
    public async Task Tax_is_computed_on_the_price_after_the_discount()
    {
        await using var c = await CouponWorld.StartAsync(new() { ["BILLING_TAX_PERCENT"] = "11", ["BILLING_PRICES_INCLUDE_TAX"] = "false" });
        await c.CouponAsync(new { code = "TENOFF", name = "Ten", percent_off = 10, duration = "once" });

        var (res, _) = await c.CheckoutAsync("u_tax", c.W.Pro, "TENOFF");

        Assert.Equal(HttpStatusCode.Created, res.StatusCode);
        // 149,000 − 14,900 = 134,100; PPN 11 % of it = 14,751; the amount 148,851.
        Assert.Equal("148851|14900|134100|14751", await c.W.H.Db.ScalarAsync<string>("""
            SELECT amount || '|' || (line_items->'discount'->>'amount') || '|' || (line_items->'tax'->>'taxable_base') || '|' ||
                   (line_items->'tax'->>'amount')
              FROM invoices WHERE user_id = 'u_tax'
            """));
    }

    [Fact]
    public async Task An_invoice_a_discount_leaves_at_zero_or_under_the_minimum_is_settled_at_once_through_the_one_settlement_path()
    {
        await _c.CouponAsync(new { code = "FREE", name = "Free", percent_off = 100, duration = "forever" });
        await _c.CouponAsync(new { code = "ALMOST", name = "Almost", amount_off = 146_000, duration = "once" });

        var (res, body) = await _c.CheckoutAsync("u_free", _c.W.Pro, "FREE");
        Assert.Equal(HttpStatusCode.Created, res.StatusCode);
        Assert.Equal("paid", body.GetProperty("invoice").GetProperty("status").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, body.GetProperty("payment_url").ValueKind);
        await _c.SubscribeAsync("u_almost", _c.W.Pro, "ALMOST");
        await _c.RenewAndPayAsync("u_free");

        // Active with the plan's credits, as a payment would leave it; no link was ever made.
        Assert.Equal("active", await _c.W.StatusAsync("u_free"));
        Assert.Equal("active", await _c.W.StatusAsync("u_almost"));
        Assert.Equal(1_000, await _c.W.BalanceAsync("u_free", "interaction"));
        Assert.Equal("0/149000/paid 0/149000/paid", await _c.InvoicesAsync("u_free"));
        // Once: the renewal after it is charged in full.
        Assert.Equal("3000/146000/paid 149000/-/pending", await _c.InvoicesAsync("u_almost"));
        Assert.Equal("3|3|0|3", await _c.W.H.Db.ScalarAsync<string>("""
            SELECT (SELECT count(*) FROM payments WHERE provider = 'waived' AND status = 'paid') || '|' ||
                   (SELECT count(*) FROM billing_logs WHERE event_type = 'charge_waived') || '|' ||
                   (SELECT count(*) FROM payments p JOIN invoices i ON i.id = p.invoice_id
                     WHERE p.session_id IS NOT NULL AND i.line_items ? 'discount') || '|' ||
                   (SELECT count(*) FROM events WHERE type = 'invoice.paid')
            """));
    }
}
