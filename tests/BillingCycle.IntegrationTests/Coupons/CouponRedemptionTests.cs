using System.Net;
using System.Net.Http.Json;

namespace BillingCycle.IntegrationTests.Coupons;

/// <summary>contract §11.3: redeeming at checkout and on the live subscription; every refusal changes nothing.</summary>
public sealed class CouponRedemptionTests : IAsyncLifetime
{
    private CouponWorld _c = null!;

    public async Task InitializeAsync() => _c = await CouponWorld.StartAsync();

    public async Task DisposeAsync() => await _c.DisposeAsync();

    [Fact]
    public async Task Twenty_concurrent_redemptions_of_a_coupon_limited_to_five_make_exactly_five()
    {
        await _c.CouponAsync(new { code = "FIVE", name = "Five only", percent_off = 10, duration = "once", max_redemptions = 5 });

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => _c.CheckoutAsync($"u_race{i}", _c.W.Pro, "FIVE")));

        Assert.Equal(5, answers.Count(a => a.Response.StatusCode == HttpStatusCode.Created));
        Assert.All(answers.Where(a => a.Response.StatusCode != HttpStatusCode.Created),
            a => Assert.Equal("COUPON_EXHAUSTED", a.Body.GetProperty("code").GetString()));
        Assert.Equal("5|5|5|5", await _c.W.H.Db.ScalarAsync<string>("""
            SELECT (SELECT times_redeemed FROM coupons WHERE code = 'FIVE') || '|' ||
                   (SELECT count(*) FROM coupon_redemptions) || '|' ||
                   (SELECT count(*) FROM subscriptions) || '|' ||
                   (SELECT count(*) FROM invoices WHERE line_items->'discount'->>'coupon_code' = 'FIVE')
            """));
    }

    [Fact]
    public async Task One_user_redeeming_one_coupon_twice_at_once_redeems_it_once()
    {
        await _c.CouponAsync(new { code = "ONCEEACH", name = "One each", amount_off = 1000, duration = "forever" });
        await _c.SubscribeAsync("u_twice", _c.W.Starter, null);

        var answers = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => _c.RedeemAsync("u_twice", "onceeach")));

        Assert.Equal(1, answers.Count(a => a.Response.StatusCode == HttpStatusCode.OK));
        Assert.All(answers.Where(a => a.Response.StatusCode != HttpStatusCode.OK),
            a => Assert.Equal("COUPON_ALREADY_REDEEMED", a.Body.GetProperty("code").GetString()));
        Assert.Equal("1|1", await _c.W.H.Db.ScalarAsync<string>(
            "SELECT (SELECT times_redeemed FROM coupons) || '|' || (SELECT count(*) FROM coupon_redemptions)"));
    }

    [Fact]
    public async Task Each_refusal_has_its_code_and_changes_nothing()
    {
        await _c.CouponAsync(new { code = "SOON", name = "Ends soon", percent_off = 10, duration = "once", redeem_by = _c.W.H.Api.Clock.GetUtcNow().AddDays(1) });
        await _c.CouponAsync(new { code = "STARTER", name = "Starter only", percent_off = 10, duration = "once", plan_ids = new[] { _c.W.Starter } });
        await _c.CouponAsync(new { code = "SINGLE", name = "One", percent_off = 10, duration = "once", max_redemptions = 1 });
        await _c.SubscribeAsync("u_first", _c.W.Pro, "SINGLE");
        var before = await StateAsync();

        Assert.Equal(("COUPON_NOT_FOUND", 404), await CheckoutRefusalAsync("u_a", "NOPE"));
        Assert.Equal(("COUPON_NOT_APPLICABLE", 409), await CheckoutRefusalAsync("u_b", "STARTER"));
        Assert.Equal(("COUPON_EXHAUSTED", 409), await CheckoutRefusalAsync("u_c", "SINGLE"));
        var again = await _c.RedeemAsync("u_first", "SINGLE");
        Assert.Equal("COUPON_ALREADY_REDEEMED", again.Body.GetProperty("code").GetString());
        _c.W.H.Api.Clock.Advance(TimeSpan.FromDays(2));
        Assert.Equal(("COUPON_EXPIRED", 409), await CheckoutRefusalAsync("u_d", "SOON"));
        Assert.Equal("COUPON_EXPIRED", (await _c.RedeemAsync("u_first", "SOON")).Body.GetProperty("code").GetString());

        Assert.Equal(before, await StateAsync());
    }

    [Fact]
    public async Task A_code_of_200_characters_or_with_control_characters_or_not_in_a_code_s_shape_is_a_400_at_checkout_and_on_the_live_subscription()
    {
        await _c.CouponAsync(new { code = "REAL", name = "Real", percent_off = 10, duration = "once" });
        await _c.SubscribeAsync("u_holder", _c.W.Starter, null);
        var before = await StateAsync();
        var cases = new[]
        {
            (new string('A', 200), "INVALID_COUPON_CODE", 400), // longer than any code
            ("RE\0AL", "INVALID_COUPON_CODE", 400),             // PostgreSQL text cannot hold NUL
            ("RE\u0001AL", "INVALID_COUPON_CODE", 400),         // no code has a control character
            ("REAL\n", "INVALID_COUPON_CODE", 400),              // nor a newline, even at the end
            ("RE AL", "INVALID_COUPON_CODE", 400),
        };

        foreach (var (code, expected, status) in cases)
        {
            Assert.Equal((expected, status), await CheckoutRefusalAsync("u_odd", code));
            var (res, body) = await _c.RedeemAsync("u_holder", code);
            Assert.Equal((expected, status), (body.GetProperty("code").GetString(), (int)res.StatusCode));
        }

        Assert.Equal(before, await StateAsync());
    }

    [Fact]
    public async Task A_code_on_the_live_subscription_discounts_from_the_next_invoice_and_replaces_the_running_one()
    {
        await _c.CouponAsync(new { code = "TEN", name = "Ten", percent_off = 10, duration = "forever" });
        await _c.CouponAsync(new { code = "FLAT", name = "Flat", amount_off = 20_000, duration = "forever" });
        await _c.SubscribeAsync("u_live", _c.W.Pro, null);

        var (res, body) = await _c.RedeemAsync("u_live", "ten");
        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        Assert.Equal("active", body.GetProperty("subscription").GetProperty("status").GetString());
        await _c.RenewAndPayAsync("u_live");
        Assert.Equal(HttpStatusCode.OK, (await _c.RedeemAsync("u_live", "FLAT")).Response.StatusCode);
        await _c.RenewAndPayAsync("u_live");

        Assert.Equal("149000/-/paid 134100/14900/paid 129000/20000/paid", await _c.InvoicesAsync("u_live"));
        Assert.Equal("TEN:ended FLAT:running", await _c.W.H.Db.ScalarAsync<string>("""
            SELECT string_agg(k.code || ':' || CASE WHEN r.ended_at IS NULL THEN 'running' ELSE 'ended' END, ' ' ORDER BY r.created_at)
              FROM coupon_redemptions r JOIN coupons k ON k.id = r.coupon_id
            """));
    }

    [Fact]
    public async Task A_plan_change_takes_the_running_percentage_without_using_a_period()
    {
        await _c.CouponAsync(new { code = "HALF", name = "Half", percent_off = 50, duration = "repeating", duration_in_periods = 2 });
        await _c.SubscribeAsync("u_up", _c.W.Starter, "HALF");
        _c.W.H.Api.Clock.Advance(TimeSpan.FromDays(10));

        var res = await _c.W.As("u_up").PostAsJsonAsync("/api/subscriptions/current/change-plan", new { plan_id = _c.W.Pro });

        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        Assert.Equal("true|50|1", await _c.W.H.Db.ScalarAsync<string>("""
            SELECT ((line_items->'discount'->>'amount')::bigint = round((line_items->>'price')::bigint * 50 / 100.0)
                    AND amount = (line_items->>'price')::bigint - (line_items->'discount'->>'amount')::bigint)::text
                   || '|' || (line_items->'discount'->>'percent_off') || '|' || (SELECT periods_used FROM coupon_redemptions)
              FROM invoices WHERE kind = 'plan_change'
            """));
    }

    [Fact]
    public async Task The_console_MRR_takes_off_running_discounts_only()
    {
        await _c.CouponAsync(new { code = "EVER10", name = "Ever", percent_off = 10, duration = "forever" });
        await _c.CouponAsync(new { code = "ONE", name = "One", amount_off = 9_000, duration = "once" });
        await _c.SubscribeAsync("u_ever", _c.W.Pro, "EVER10");  // 149,000 − 14,900 for as long as it runs
        await _c.SubscribeAsync("u_one", _c.W.Starter, "ONE");   // its one period used at checkout: 49,000
        await _c.SubscribeAsync("u_plain", _c.W.Starter, null);

        using var admin = Console.ConsoleSession.WithBearer(_c.W.H.Api, _c.W.H.Api.Tokens.Admin("user_operator"));
        var (status, html) = await admin.GetAsync("/admin");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(134_100 + 49_000 + 49_000, Console.ConsoleSession.Figure(html, "mrr"));
    }

    private async Task<(string?, int)> CheckoutRefusalAsync(string user, string code)
    {
        var (res, body) = await _c.CheckoutAsync(user, _c.W.Pro, code);
        return (body.GetProperty("code").GetString(), (int)res.StatusCode);
    }

    /// <summary>Everything a redemption could change.</summary>
    private Task<string> StateAsync() => _c.W.H.Db.ScalarAsync<string>("""
        SELECT (SELECT string_agg(code || '=' || times_redeemed, ',' ORDER BY code) FROM coupons) || '|' ||
               (SELECT count(*) FROM coupon_redemptions) || '|' || (SELECT count(*) FROM subscriptions) || '|' ||
               (SELECT count(*) FROM invoices) || '|' || (SELECT count(*) FROM payments)
        """);
}
