using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using BillingCycle.IntegrationTests.Console;
using BillingCycle.IntegrationTests.Subscriptions;
using BillingCycle.TestSupport;

namespace BillingCycle.IntegrationTests.Portal;

/// <summary>
/// Pricing where it meets the customer (contract §11, §14): the plans page shows a coupon's and a
/// trial's effect before confirming, and the confirmation invoices exactly that; every coupon refusal
/// beside its field; credit packs bought once per form. Tax is on (11%, exclusive) so the amounts
/// come through the composer.
/// </summary>
public sealed partial class PortalPricingTests : IAsyncLifetime
{
    private LifecycleWorld _w = null!;
    private Guid _trialPlan;

    public async Task InitializeAsync()
    {
        _w = await LifecycleWorld.StartAsync(new()
        {
            ["BILLING_TAX_PERCENT"] = "11", ["BILLING_PRICES_INCLUDE_TAX"] = "false", ["BILLING_PORTAL_RATE_LIMIT_PER_MINUTE"] = "100000",
        });
        _trialPlan = await _w.H.Db.ScalarAsync<Guid>("""
            INSERT INTO subscription_plans (name, price, interaction_credits, scraper_credits, trial_days)
            VALUES ('Trial Pro', 99000, 300, 150, 14) RETURNING id
            """);
    }

    public async Task DisposeAsync() => await _w.DisposeAsync();

    private Task CouponAsync(string code, int? percent = null, long? amount = null, string duration = "once", int? max = null,
        DateTimeOffset? redeemBy = null, Guid[]? plans = null, int redeemed = 0) =>
        _w.H.Db.ExecAsync("""
            INSERT INTO coupons (code, name, percent_off, amount_off, duration, duration_in_periods, max_redemptions, times_redeemed, redeem_by, plan_ids)
            VALUES ($1, $1 || ' promo', $2, $3, $4, CASE WHEN $4 = 'repeating' THEN 3 END, $5, $6, $7, $8)
            """, code, percent, amount, duration, max, redeemed, redeemBy, plans);

    /// <summary>Everything a refusal must leave alone.</summary>
    private const string Rows = """
        SELECT (SELECT count(*) FROM subscriptions) || '|' || (SELECT count(*) FROM invoices) || '|' || (SELECT count(*) FROM payments)
               || '|' || (SELECT count(*) FROM coupon_redemptions) || '|' || (SELECT coalesce(sum(times_redeemed), 0) FROM coupons)
        """;

    [Fact]
    public async Task A_coupon_at_checkout_shows_its_discounted_amount_first_and_the_invoice_is_exactly_that()
    {
        await CouponAsync("HEMAT10", percent: 10);
        await Seed.UserAsync(_w.H.Db, "u_coupon");
        var browser = await PortalWorld.EnterAsync(_w, "u_coupon");

        // Typed in any case, checked without changing anything: 49,000 − 4,900 = 44,100, PPN 11% 4,851.
        var (status, preview) = await browser.GetAsync($"/portal/plans?choose={_w.Starter}&coupon=hemat10");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("data-field=\"first-amount\">Rp48.951<", preview, StringComparison.Ordinal);
        Assert.Contains("−Rp4.900", preview, StringComparison.Ordinal);
        Assert.Equal(0, await _w.H.Db.ScalarAsync<long>("SELECT count(*) FROM coupon_redemptions"));

        using var res = await PortalWorld.PostFormAsync(browser, $"/portal/plans?choose={_w.Starter}", "/portal/plans",
            ("plan_id", _w.Starter.ToString()), ("coupon_code", "hemat10"));
        Assert.Equal(HttpStatusCode.SeeOther, res.StatusCode);
        Assert.StartsWith("/pay/", res.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.Equal("48951|4900|HEMAT10", await _w.H.Db.ScalarAsync<string>(
            "SELECT amount || '|' || (line_items->'discount'->>'amount') || '|' || (line_items->'discount'->>'coupon_code') FROM invoices WHERE user_id = 'u_coupon'"));
    }

    [Fact]
    public async Task Each_coupon_refusal_is_a_message_beside_the_field_in_both_languages_and_changes_nothing()
    {
        await CouponAsync("LATE", percent: 10, redeemBy: BillingCycle.IntegrationTests.Infrastructure.BillingHarness.Start.AddHours(1));
        await CouponAsync("FULL", percent: 10, max: 1, redeemed: 1);
        await CouponAsync("PROONLY", percent: 10, plans: [_w.Pro]);
        await CouponAsync("TWICE", amount: 5_000, max: 10);
        _w.H.Api.Clock.Advance(TimeSpan.FromHours(2));
        await Seed.UserAsync(_w.H.Db, "u_new");
        var browser = await PortalWorld.EnterAsync(_w, "u_new");
        var before = await _w.H.Db.ScalarAsync<string>(Rows);

        foreach (var (code, status, words) in new[]
                 {
                     ("NOPE", HttpStatusCode.NotFound, "Kode kupon ini tidak dikenal atau sudah tidak berlaku."),
                     ("LATE", HttpStatusCode.Conflict, "Batas waktu penukaran kupon ini sudah lewat."),
                     ("FULL", HttpStatusCode.Conflict, "Kupon ini sudah habis dipakai."),
                     ("PROONLY", HttpStatusCode.Conflict, "Kupon ini tidak berlaku untuk paket ini."),
                 })
        {
            // The preview says it before; the confirmation, which redeems for real, says the same.
            var (_, preview) = await browser.GetAsync($"/portal/plans?choose={_w.Starter}&coupon={code}");
            Assert.Contains($"data-error-for=\"coupon\">{words}</p>", preview, StringComparison.Ordinal);
            using var res = await PortalWorld.PostFormAsync(browser, "/portal/plans", "/portal/plans",
                ("plan_id", _w.Starter.ToString()), ("coupon_code", code));
            var html = await res.Content.ReadAsStringAsync();
            Assert.Equal(status, res.StatusCode);
            Assert.Contains($"data-error-for=\"coupon\">{words}</p>", html, StringComparison.Ordinal);
            Assert.Contains("aria-describedby=\"e-f-coupon\"", html, StringComparison.Ordinal);
            Assert.Contains($"value=\"{code}\"", html, StringComparison.Ordinal); // what was typed stays
        }
        Assert.Equal(before, await _w.H.Db.ScalarAsync<string>(Rows));

        // On the live subscription: a coupon once, then the same again; nothing typed.
        await _w.CheckoutAsync("u_live", _w.Starter);
        await _w.PayLatestAsync("u_live");
        var live = await PortalWorld.EnterAsync(_w, "u_live");
        using (var ok = await PortalWorld.PostFormAsync(live, "/portal/plans", "/portal/coupon", ("coupon_code", "twice")))
        {
            Assert.Equal(HttpStatusCode.SeeOther, ok.StatusCode);
            Assert.Equal("/portal?done=coupon_applied", ok.Headers.Location!.OriginalString);
        }
        var (_, overview) = await live.GetAsync("/portal?done=coupon_applied");
        Assert.Contains("data-field=\"coupon\"", overview, StringComparison.Ordinal);
        Assert.Contains("Rp48.840", overview, StringComparison.Ordinal); // the renewal to come: (49,000 − 5,000) × 1.11
        var afterOne = await _w.H.Db.ScalarAsync<string>(Rows);
        using (var again = await PortalWorld.PostFormAsync(live, "/portal/plans", "/portal/coupon", ("coupon_code", "TWICE")))
        {
            Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
            Assert.Contains("data-error-for=\"coupon_code\">Anda sudah pernah memakai kupon ini.</p>", await again.Content.ReadAsStringAsync(),
                StringComparison.Ordinal);
        }
        using (var blank = await PortalWorld.PostFormAsync(live, "/portal/plans", "/portal/coupon", ("coupon_code", "  ")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, blank.StatusCode);
            Assert.Contains("data-error-for=\"coupon_code\">Masukkan kode kupon.</p>", await blank.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        var english = await PortalWorld.EnterAsync(_w, "u_live", new { locale = "en" });
        using (var en = await PortalWorld.PostFormAsync(english, "/portal/plans", "/portal/coupon", ("coupon_code", "TWICE")))
        {
            Assert.Equal(HttpStatusCode.Conflict, en.StatusCode);
            Assert.Contains("data-error-for=\"coupon_code\">You have already used this coupon.</p>", await en.Content.ReadAsStringAsync(),
                StringComparison.Ordinal);
        }
        Assert.Equal(afterOne, await _w.H.Db.ScalarAsync<string>(Rows));
    }

    [Fact]
    public async Task A_trial_is_shown_before_checkout_starts_without_a_charge_and_one_already_had_is_said_and_refused()
    {
        await Seed.UserAsync(_w.H.Db, "u_trial");
        var browser = await PortalWorld.EnterAsync(_w, "u_trial");
        var (_, plans) = await browser.GetAsync("/portal/plans");
        Assert.Contains("14 hari gratis", plans, StringComparison.Ordinal);

        var (_, preview) = await browser.GetAsync($"/portal/plans?choose={_trialPlan}");
        Assert.Contains("data-preview=\"Trial\"", preview, StringComparison.Ordinal);
        Assert.Contains("data-field=\"trial-end\">15 November 2026<", preview, StringComparison.Ordinal);
        Assert.Contains("data-field=\"after-trial\">Rp109.890<", preview, StringComparison.Ordinal); // 99,000 + 11%
        Assert.Contains("name=\"trial\" value=\"true\"", preview, StringComparison.Ordinal);

        using (var res = await PortalWorld.PostFormAsync(browser, $"/portal/plans?choose={_trialPlan}", "/portal/plans",
                   ("plan_id", _trialPlan.ToString()), ("trial", "true")))
        {
            Assert.Equal(HttpStatusCode.SeeOther, res.StatusCode);
            Assert.Equal("/portal?done=trial_started", res.Headers.Location!.OriginalString);
        }
        Assert.Equal("trialing|0", await _w.H.Db.ScalarAsync<string>(
            "SELECT s.status || '|' || (SELECT count(*) FROM invoices i WHERE i.user_id = s.user_id) FROM subscriptions s WHERE s.user_id = 'u_trial'"));
        var (_, overview) = await browser.GetAsync("/portal?done=trial_started");
        Assert.Contains("data-status=\"trialing\">Masa percobaan<", overview, StringComparison.Ordinal);
        Assert.Contains("data-field=\"trial-end\">15 November 2026<", overview, StringComparison.Ordinal);
        Assert.Contains("Rp109.890", overview, StringComparison.Ordinal); // the first invoice, at the trial's end

        // Ended now; the next visit says a trial was had, and a stale form asking for one is refused, nothing written.
        Assert.Equal(HttpStatusCode.OK, (await _w.As("u_trial").PostAsJsonAsync("/api/subscriptions/current/cancel", new { at_period_end = false })).StatusCode);
        (_, plans) = await browser.GetAsync("/portal/plans");
        Assert.Contains("Anda sudah pernah memakai masa percobaan", plans, StringComparison.Ordinal);
        (_, preview) = await browser.GetAsync($"/portal/plans?choose={_trialPlan}");
        Assert.Contains("data-preview=\"Checkout\"", preview, StringComparison.Ordinal);
        Assert.Contains("data-field=\"trial-used\"", preview, StringComparison.Ordinal);
        Assert.Contains("data-field=\"first-amount\">Rp109.890<", preview, StringComparison.Ordinal);
        var before = await _w.H.Db.ScalarAsync<string>(Rows);
        using var stale = await PortalWorld.PostFormAsync(browser, "/portal/plans", "/portal/plans", ("plan_id", _trialPlan.ToString()), ("trial", "true"));
        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
        Assert.Contains("Anda sudah pernah memakai masa percobaan.", await stale.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(before, await _w.H.Db.ScalarAsync<string>(Rows));
    }

    [Fact]
    public async Task An_upgrade_s_preview_takes_a_running_percentage_coupon_as_the_invoice_does()
    {
        await CouponAsync("SELAMANYA20", percent: 20, duration: "forever");
        Assert.Equal(HttpStatusCode.Created, (await _w.As("u_up").PostAsJsonAsync("/api/subscriptions",
            new { plan_id = _w.Starter, coupon_code = "SELAMANYA20" })).StatusCode);
        await _w.PayLatestAsync("u_up");
        _w.H.Api.Clock.Advance(TimeSpan.FromDays(15));
        var browser = await PortalWorld.EnterAsync(_w, "u_up");

        // (149,000 − 49,000) × 15/30 = 50,000; 20% off: 40,000; PPN 11%: 44,400.
        var (_, preview) = await browser.GetAsync($"/portal/plans?choose={_w.Pro}");
        Assert.Contains("data-field=\"prorated\">Rp44.400<", preview, StringComparison.Ordinal);
        Assert.Contains("−Rp10.000", preview, StringComparison.Ordinal);
        using var res = await PortalWorld.PostFormAsync(browser, $"/portal/plans?choose={_w.Pro}", "/portal/plans", ("plan_id", _w.Pro.ToString()));
        Assert.Equal(HttpStatusCode.SeeOther, res.StatusCode);
        Assert.Equal(44_400, await _w.H.Db.ScalarAsync<long>("SELECT amount FROM invoices WHERE user_id = 'u_up' AND kind = 'plan_change'"));
    }

    [Fact]
    public async Task An_unpaid_checkout_s_preview_says_the_change_must_wait_and_offers_no_confirmation()
    {
        await _w.CheckoutAsync("u_unpaid", _w.Starter);
        var browser = await PortalWorld.EnterAsync(_w, "u_unpaid");

        var (status, html) = await browser.GetAsync($"/portal/plans?choose={_w.Pro}");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("data-preview=\"NotActive\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("name=\"plan_id\"", html, StringComparison.Ordinal);
        using var res = await PortalWorld.PostFormAsync(browser, "/portal/plans", "/portal/plans", ("plan_id", _w.Pro.ToString()));
        Assert.Equal(HttpStatusCode.Conflict, res.StatusCode); // billing_change_plan's not_active, as the API answers
    }

    [GeneratedRegex("action=\"(/portal/credits/[^\"]+/buy)\"[^>]*>.*?name=\"__RequestVerificationToken\" value=\"([^\"]+)\".*?name=\"idempotency_key\" value=\"([^\"]+)\"",
        RegexOptions.Singleline)]
    private static partial Regex BuyForm();

    private static async Task<(string Action, string Token, string Key)> BuyFormAsync(ConsoleSession browser)
    {
        var (_, html) = await browser.GetAsync("/portal/credits");
        var m = BuyForm().Match(html);
        Assert.True(m.Success, "no buy form on /portal/credits");
        return (m.Groups[1].Value, System.Net.WebUtility.HtmlDecode(m.Groups[2].Value), m.Groups[3].Value);
    }

    [Fact]
    public async Task A_pack_is_bought_once_per_form_however_often_it_is_sent_and_a_fourth_open_one_is_refused()
    {
        var pack = await _w.H.Db.ScalarAsync<Guid>(
            "INSERT INTO credit_packs (name, credit_type, credits, price) VALUES ('Scraper 1K', 'scraper', 1000, 50000) RETURNING id");
        await Seed.UserAsync(_w.H.Db, "u_pack");
        var browser = await PortalWorld.EnterAsync(_w, "u_pack");
        var (_, credits) = await browser.GetAsync("/portal/credits");
        Assert.Contains("data-pack=\"Scraper 1K\"", credits, StringComparison.Ordinal);
        Assert.Contains("Rp50.000", credits, StringComparison.Ordinal);

        // A double click: the same form twice at once.
        var (action, token, key) = await BuyFormAsync(browser);
        Assert.Equal($"/portal/credits/{pack}/buy", action);
        var twice = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => browser.PostAsync(action, token, ("idempotency_key", key))));
        Assert.All(twice, r => Assert.Equal(HttpStatusCode.SeeOther, r.StatusCode));
        Assert.Equal(twice[0].Headers.Location, twice[1].Headers.Location);
        Assert.StartsWith("/pay/", twice[0].Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.Equal("1|55500|1", await _w.H.Db.ScalarAsync<string>("""
            SELECT count(*) || '|' || min(i.amount) || '|' || (SELECT count(*) FROM payments p JOIN invoices x ON x.id = p.invoice_id WHERE x.user_id = 'u_pack')
              FROM invoices i WHERE i.user_id = 'u_pack' AND i.kind = 'credit_pack'
            """));

        // The same form's key for another pack is not a purchase.
        var other = await _w.H.Db.ScalarAsync<Guid>(
            "INSERT INTO credit_packs (name, credit_type, credits, price) VALUES ('Chat 500', 'interaction', 500, 20000) RETURNING id");
        using (var reused = await browser.PostAsync($"/portal/credits/{other}/buy", token, ("idempotency_key", key)))
        {
            Assert.Equal(HttpStatusCode.Conflict, reused.StatusCode);
        }
        // Fresh forms: two more, then the limit of three open pack invoices (contract §11.4).
        for (var i = 0; i < 2; i++)
        {
            var form = await BuyFormAsync(browser);
            using var r = await browser.PostAsync(form.Action, form.Token, ("idempotency_key", form.Key));
            Assert.Equal(HttpStatusCode.SeeOther, r.StatusCode);
        }
        var before = await _w.H.Db.ScalarAsync<string>(Rows);
        var fourth = await BuyFormAsync(browser);
        using (var refused = await browser.PostAsync(fourth.Action, fourth.Token, ("idempotency_key", fourth.Key)))
        {
            Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
            Assert.Contains("3 tagihan paket kredit yang belum dibayar", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        using (var unknown = await browser.PostAsync($"/portal/credits/{Guid.NewGuid()}/buy", fourth.Token, ("idempotency_key", fourth.Key)))
        {
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        }
        using (var keyless = await browser.PostAsync(fourth.Action, fourth.Token))
        {
            Assert.Equal(HttpStatusCode.BadRequest, keyless.StatusCode);
        }
        Assert.Equal(before, await _w.H.Db.ScalarAsync<string>(Rows));
    }
}
