using System.Net;
using BillingCycle.TestSupport;

namespace BillingCycle.IntegrationTests.Portal;

/// <summary>A plan form does what its preview showed, or nothing.</summary>
public sealed partial class PortalPricingTests
{
    [Fact]
    public async Task A_stale_checkout_form_with_a_coupon_is_refused_once_a_subscription_exists_rather_than_becoming_a_plan_change()
    {
        await CouponAsync("STALE10", percent: 10);
        await Seed.UserAsync(_w.H.Db, "u_stale");
        var browser = await PortalWorld.EnterAsync(_w, "u_stale");
        var (_, preview) = await browser.GetAsync($"/portal/plans?choose={_w.Pro}&coupon=stale10");
        Assert.Contains("name=\"kind\" value=\"checkout\"", preview, StringComparison.Ordinal);

        // Meanwhile a subscription starts elsewhere (the web app) and is paid.
        await _w.CheckoutAsync("u_stale", _w.Starter);
        await _w.PayLatestAsync("u_stale");
        var before = await _w.H.Db.ScalarAsync<string>(Rows);
        using (var stale = await PortalWorld.PostFormAsync(browser, "/portal/plans", "/portal/plans",
                   ("plan_id", _w.Pro.ToString()), ("kind", "checkout"), ("coupon_code", "STALE10")))
        {
            Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
            Assert.Contains("Anda sudah berlangganan", await stale.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        Assert.Equal(before, await _w.H.Db.ScalarAsync<string>(Rows));
        Assert.Equal(_w.Starter, await _w.H.Db.ScalarAsync<Guid>("SELECT plan_id FROM subscriptions WHERE user_id = 'u_stale'"));

        // The other way round: a change previewed for a subscription no longer live is not a checkout.
        await Seed.UserAsync(_w.H.Db, "u_gone");
        var gone = await PortalWorld.EnterAsync(_w, "u_gone");
        using (var change = await PortalWorld.PostFormAsync(gone, "/portal/plans", "/portal/plans",
                   ("plan_id", _w.Pro.ToString()), ("kind", "change")))
        {
            Assert.Equal(HttpStatusCode.Conflict, change.StatusCode);
        }
        Assert.Equal(before, await _w.H.Db.ScalarAsync<string>(Rows));
    }
}
