using System.Net;
using BillingCycle.IntegrationTests.Console;
using BillingCycle.IntegrationTests.Subscriptions;
using BillingCycle.TestSupport;

namespace BillingCycle.IntegrationTests.Portal;

/// <summary>Bad input at the portal (contract §14): each gets its 4xx page and changes nothing.</summary>
public sealed class PortalRefusalTests : IAsyncLifetime
{
    private LifecycleWorld _w = null!;

    public async Task InitializeAsync() => _w = await LifecycleWorld.StartAsync();

    public async Task DisposeAsync() => await _w.DisposeAsync();

    private const string Rows = """
        SELECT (SELECT count(*) FROM payments) || '|' || (SELECT count(*) FROM invoices) || '|'
               || (SELECT string_agg(user_id || ':' || status || ':' || plan_id || ':' || cancel_at_period_end, ',' ORDER BY user_id) FROM subscriptions)
               || '|' || (SELECT count(*) FROM billing_logs) || '|' || (SELECT count(*) FROM billing_details)
        """;

    [Fact]
    public async Task Another_user_s_invoice_id_is_not_found_and_gets_no_payment_attempt()
    {
        await _w.CheckoutAsync("u_victim", _w.Pro);
        await _w.CheckoutAsync("u_mallory", _w.Starter);
        var victimInvoice = await _w.H.Db.ScalarAsync<Guid>("SELECT id FROM invoices WHERE user_id = 'u_victim'");
        _w.H.Api.Clock.Advance(TimeSpan.FromHours(1)); // past the one-minute pay-now bound: a new attempt would be made
        var before = await _w.H.Db.ScalarAsync<string>(Rows);

        var mallory = await PortalWorld.EnterAsync(_w, "u_mallory");
        using var res = await PortalWorld.PostFormAsync(mallory, "/portal/invoices", $"/portal/invoices/{victimInvoice}/pay");

        Assert.Equal(HttpStatusCode.NotFound, res.StatusCode);
        Assert.Contains("Tagihan itu tidak ditemukan", await res.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(before, await _w.H.Db.ScalarAsync<string>(Rows));
        Assert.Equal(1, await _w.H.Db.ScalarAsync<long>(
            "SELECT count(*) FROM payments p JOIN invoices i ON i.id = p.invoice_id WHERE i.user_id = 'u_victim'"));
        var (_, list) = await mallory.GetAsync("/portal/invoices");
        Assert.DoesNotContain(victimInvoice.ToString(), list, StringComparison.Ordinal);

        // Her own open invoice pays through the same rule: a new attempt, on to iPaymu.
        var own = await _w.H.Db.ScalarAsync<Guid>("SELECT id FROM invoices WHERE user_id = 'u_mallory'");
        using var pay = await PortalWorld.PostFormAsync(mallory, "/portal/invoices", $"/portal/invoices/{own}/pay");
        Assert.Equal(HttpStatusCode.SeeOther, pay.StatusCode);
        Assert.StartsWith(_w.H.StandIn.BaseUrl.ToString().TrimEnd('/'), pay.Headers.Location!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_inactive_or_unknown_plan_id_is_refused_and_changes_nothing()
    {
        await _w.CheckoutAsync("u_plan", _w.Starter);
        await _w.PayLatestAsync("u_plan");
        var retired = await Seed.PlanAsync(_w.H.Db, 299_000, 5_000, 1_000, "Retired");
        await _w.H.Db.ExecAsync("UPDATE subscription_plans SET is_active = false WHERE id = $1", retired);
        var before = await _w.H.Db.ScalarAsync<string>(Rows);
        var browser = await PortalWorld.EnterAsync(_w, "u_plan");

        foreach (var plan in new[] { retired.ToString(), Guid.NewGuid().ToString(), "not-a-uuid" })
        {
            using var res = await PortalWorld.PostFormAsync(browser, "/portal/plans", "/portal/plans", ("plan_id", plan));
            Assert.Equal(HttpStatusCode.NotFound, res.StatusCode);
            Assert.Contains("Paket itu tidak tersedia", await res.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync($"/portal/plans?choose={retired}")).Status);
        Assert.Equal(before, await _w.H.Db.ScalarAsync<string>(Rows));
    }

    [Fact]
    public async Task A_forged_or_missing_antiforgery_token_is_a_400_page_and_cancels_nothing()
    {
        await _w.CheckoutAsync("u_forged", _w.Starter);
        await _w.PayLatestAsync("u_forged");
        var browser = await PortalWorld.EnterAsync(_w, "u_forged");
        var before = await _w.H.Db.ScalarAsync<string>(Rows);

        using var forged = await browser.PostAsync("/portal/cancel", "CfDJ8forged-token-from-another-site");
        using var missing = await browser.PostAsync("/portal/cancel", null);

        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Contains("Formulir kedaluwarsa", await forged.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(before, await _w.H.Db.ScalarAsync<string>(Rows));

        // The pricing forms too: a coupon, a pack, a plan, each with every other field right.
        await _w.H.Db.ExecAsync("INSERT INTO coupons (code, name, percent_off, duration) VALUES ('HEMAT10', 'Hemat', 10, 'once')");
        var pack = await _w.H.Db.ScalarAsync<Guid>(
            "INSERT INTO credit_packs (name, credit_type, credits, price) VALUES ('Scraper 1K', 'scraper', 1000, 50000) RETURNING id");
        before = await _w.H.Db.ScalarAsync<string>(Rows + " || '|' || (SELECT count(*) FROM coupon_redemptions)");
        foreach (var (action, fields) in new (string, (string, string)[])[]
                 {
                     ("/portal/coupon", [("coupon_code", "HEMAT10")]),
                     ($"/portal/credits/{pack}/buy", [("idempotency_key", new string('k', 43))]),
                     ("/portal/plans", [("plan_id", _w.Pro.ToString())]),
                 })
        {
            using var res = await browser.PostAsync(action, "CfDJ8forged-token-from-another-site", fields);
            Assert.Equal(HttpStatusCode.BadRequest, res.StatusCode);
        }
        Assert.Equal(before, await _w.H.Db.ScalarAsync<string>(Rows + " || '|' || (SELECT count(*) FROM coupon_redemptions)"));
    }

    /// <summary>
    /// <paramref name="user"/> in the portal beside a pack stored at Rp1.000 (under the minimum charge:
    /// the admin API refuses to make one, contract §11.4), and the rows before anything is bought.
    /// </summary>
    private async Task<(ConsoleSession Browser, Guid Pack, string Before)> EnterWithStoredPackAsync(string user, bool active)
    {
        await Seed.UserAsync(_w.H.Db, user);
        var pack = await _w.H.Db.ScalarAsync<Guid>(
            "INSERT INTO credit_packs (name, credit_type, credits, price, is_active) VALUES ('Stored', 'scraper', 10, 1000, $1) RETURNING id", active);
        return (await PortalWorld.EnterAsync(_w, user), pack, await _w.H.Db.ScalarAsync<string>(Rows));
    }

    /// <summary>The credits page's buy form for <paramref name="pack"/>, sent with a fresh form key.</summary>
    private static Task<HttpResponseMessage> BuyPackAsync(ConsoleSession browser, Guid pack) =>
        PortalWorld.PostFormAsync(browser, "/portal/credits", $"/portal/credits/{pack}/buy",
            (BillingCycle.Api.Portal.Handlers.PackHandlers.KeyField, BillingCycle.Api.Portal.PortalTokens.New()));

    [Fact]
    public async Task An_inactive_or_unknown_credit_pack_id_is_refused_and_changes_nothing()
    {
        var (browser, retired, before) = await EnterWithStoredPackAsync("u_packs", active: false);

        foreach (var pack in new[] { retired, Guid.NewGuid() })
        {
            using var res = await BuyPackAsync(browser, pack);
            Assert.Equal(HttpStatusCode.NotFound, res.StatusCode);
            Assert.Contains("Paket kredit itu tidak tersedia", await res.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        var (_, page) = await browser.GetAsync("/portal/credits");
        Assert.DoesNotContain(retired.ToString(), page, StringComparison.Ordinal);
        Assert.Equal(before, await _w.H.Db.ScalarAsync<string>(Rows));
    }

    [Fact]
    public async Task A_stored_pack_priced_under_the_minimum_charge_is_refused_with_its_reason_and_changes_nothing()
    {
        // The admin API no longer makes such a pack (contract §11.4); one made before can still be listed.
        var (browser, cheap, before) = await EnterWithStoredPackAsync("u_cheap_pack", active: true);

        using var res = await BuyPackAsync(browser, cheap);
        Assert.Equal(HttpStatusCode.Conflict, res.StatusCode);
        Assert.Contains("Harga paket kredit itu di bawah tagihan minimum", await res.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(before, await _w.H.Db.ScalarAsync<string>(Rows));
        // The form's key is not kept either: the refusal rolled its claim back, so a corrected pack could be bought with it.
        Assert.Equal(0, await _w.H.Db.ScalarAsync<long>("SELECT count(*) FROM idempotency_keys WHERE user_id = 'u_cheap_pack'"));
    }

    [Fact]
    public async Task A_hundred_requests_a_second_from_one_address_meet_a_429_page_not_a_500()
    {
        await Seed.UserAsync(_w.H.Db, "u_flood");
        var browser = await PortalWorld.EnterAsync(_w, "u_flood");
        var answers = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => browser.Http.GetAsync("/portal/credits")));

        Assert.DoesNotContain(answers, a => (int)a.StatusCode >= 500);
        var refused = answers.Where(a => a.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.InRange(refused.Count, 30, 99); // the bucket holds 60 a minute
        var page = await refused[0].Content.ReadAsStringAsync();
        Assert.StartsWith("text/html", refused[0].Content.Headers.ContentType!.ToString(), StringComparison.Ordinal);
        Assert.Contains("Terlalu banyak permintaan", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_npwp_is_shown_beside_its_field_and_a_good_one_is_stored_as_the_api_stores_it()
    {
        await Seed.UserAsync(_w.H.Db, "u_npwp");
        var browser = await PortalWorld.EnterAsync(_w, "u_npwp");
        using var bad = await PortalWorld.PostFormAsync(browser, "/portal/billing-details", "/portal/billing-details",
            ("name", "PT Maju"), ("tax_id_type", "npwp"), ("tax_id", "12345"));
        var html = await bad.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("data-error-for=\"tax_id\"", html, StringComparison.Ordinal);
        Assert.Contains("aria-describedby=\"e-tax_id\"", html, StringComparison.Ordinal);
        Assert.Contains("value=\"PT Maju\"", html, StringComparison.Ordinal);
        Assert.Equal(0, await _w.H.Db.ScalarAsync<long>("SELECT count(*) FROM billing_details"));

        using var good = await PortalWorld.PostFormAsync(browser, "/portal/billing-details", "/portal/billing-details",
            ("name", "PT Maju"), ("tax_id_type", "npwp"), ("tax_id", "012345678901000"));
        Assert.Equal(HttpStatusCode.SeeOther, good.StatusCode);
        Assert.Equal("npwp|0012345678901000|0012345678901000000000", await _w.H.Db.ScalarAsync<string>(
            "SELECT tax_id_type || '|' || tax_id || '|' || nitku FROM billing_details WHERE user_id = 'u_npwp'"));
    }
}
