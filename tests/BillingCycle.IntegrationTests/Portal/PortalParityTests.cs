using System.Net;
using System.Net.Http.Json;
using BillingCycle.IntegrationTests.Subscriptions;
using BillingCycle.TestSupport;

namespace BillingCycle.IntegrationTests.Portal;

/// <summary>
/// Same code, same rules (contract §14): two customers live the same month at the same instants,
/// one through the API as the web app drives it, one through the portal's forms; every row their
/// actions leave, read with SQL and stripped of ids and numbers, is the same.
/// </summary>
public sealed class PortalParityTests : IAsyncLifetime
{
    private LifecycleWorld _w = null!;

    public async Task InitializeAsync() => _w = await LifecycleWorld.StartAsync();

    public async Task DisposeAsync() => await _w.DisposeAsync();

    /// <summary>Everything a customer's actions wrote, one line per row, without ids, numbers or the user's name.</summary>
    private const string Footprint = """
        SELECT string_agg(line, E'\n' ORDER BY line) FROM (
          SELECT concat_ws('|', 'subscription', s.status, p.name, sp.name, s.cancel_at_period_end, s.cancel_reason,
                           s.billing_anchor, s.current_period_start, s.current_period_end, s.canceled_at, s.updated_at) AS line
            FROM subscriptions s JOIN subscription_plans p ON p.id = s.plan_id
            LEFT JOIN subscription_plans sp ON sp.id = s.scheduled_plan_id WHERE s.user_id = $1
          UNION ALL
          SELECT concat_ws('|', 'invoice', i.kind, i.status, i.amount, i.period_start, i.period_end, i.paid_at, i.attempt_count,
                           i.line_items - 'subscription_id' - 'invoice_id', i.buyer IS NULL)
            FROM invoices i WHERE i.user_id = $1
          UNION ALL
          SELECT concat_ws('|', 'payment', i.kind, p.attempt_number, p.status, p.amount, p.payment_url IS NOT NULL, p.expires_at, p.paid_at)
            FROM payments p JOIN invoices i ON i.id = p.invoice_id WHERE i.user_id = $1
          UNION ALL
          SELECT concat_ws('|', 'log', l.event_type, l.status, l.details->>'action', l.details->>'amount', l.created_at)
            FROM billing_logs l WHERE l.user_id = $1
          UNION ALL
          SELECT concat_ws('|', 'notification', n.type, n.title, n.created_at) FROM notifications n WHERE n.user_id = $1
          UNION ALL
          SELECT concat_ws('|', 'credit', t.credit_type, t.kind, t.amount, t.balance_after, t.seq, t.created_at)
            FROM credit_transactions t WHERE t.user_id = $1
          UNION ALL
          SELECT concat_ws('|', 'details', d.name, d.email, d.address, d.tax_id_type, d.tax_id, d.nitku, d.updated_at)
            FROM billing_details d WHERE d.user_id = $1
          UNION ALL
          SELECT concat_ws('|', 'redemption', k.code, r.periods_used, r.last_period_start, r.ended_at, r.created_at)
            FROM coupon_redemptions r JOIN coupons k ON k.id = r.coupon_id WHERE r.user_id = $1
          UNION ALL
          SELECT concat_ws('|', 'trial', t.created_at) FROM trial_users t WHERE t.user_id = $1
        ) rows
        """;

    [Fact]
    public async Task Checkout_pay_upgrade_cancel_resume_and_billing_details_leave_the_same_rows_through_the_portal_and_the_api()
    {
        await Seed.UserAsync(_w.H.Db, "u_api");
        await Seed.UserAsync(_w.H.Db, "u_portal");
        var api = _w.As("u_api");
        var portal = await PortalWorld.EnterAsync(_w, "u_portal");
        // A session lasts an hour on the billing clock: the customer comes back through a new link after each jump.

        // Checkout of Starter: the API's 201, the portal's confirmation → the invoice's pay page.
        Assert.Equal(HttpStatusCode.Created, (await api.PostAsJsonAsync("/api/subscriptions", new { plan_id = _w.Starter })).StatusCode);
        using (var res = await PortalWorld.PostFormAsync(portal, $"/portal/plans?choose={_w.Starter}", "/portal/plans", ("plan_id", _w.Starter.ToString())))
        {
            Assert.Equal(HttpStatusCode.SeeOther, res.StatusCode);
            Assert.StartsWith("/pay/", res.Headers.Location!.OriginalString, StringComparison.Ordinal);
        }
        await _w.PayLatestAsync("u_api");
        await _w.PayLatestAsync("u_portal");

        // Half a month later, an upgrade to Pro: a prorated invoice, paid.
        _w.H.Api.Clock.Advance(TimeSpan.FromDays(15));
        portal = await PortalWorld.EnterAsync(_w, "u_portal");
        Assert.Equal(HttpStatusCode.OK, (await api.PostAsJsonAsync("/api/subscriptions/current/change-plan", new { plan_id = _w.Pro })).StatusCode);
        var (_, preview) = await portal.GetAsync($"/portal/plans?choose={_w.Pro}");
        Assert.Contains("Rp50.000", preview, StringComparison.Ordinal); // (149,000 − 49,000) × 15/30, before confirming
        using (var res = await PortalWorld.PostFormAsync(portal, $"/portal/plans?choose={_w.Pro}", "/portal/plans", ("plan_id", _w.Pro.ToString())))
        {
            Assert.Equal(HttpStatusCode.SeeOther, res.StatusCode);
        }
        await _w.PayLatestAsync("u_api");
        await _w.PayLatestAsync("u_portal");

        // Cancel at period end, then resume.
        _w.H.Api.Clock.Advance(TimeSpan.FromDays(1));
        portal = await PortalWorld.EnterAsync(_w, "u_portal");
        Assert.Equal(HttpStatusCode.OK, (await api.PostAsJsonAsync("/api/subscriptions/current/cancel", new { at_period_end = true })).StatusCode);
        Assert.Equal(HttpStatusCode.SeeOther, (await PortalWorld.PostFormAsync(portal, "/portal/cancel", "/portal/cancel")).StatusCode);
        _w.H.Api.Clock.Advance(TimeSpan.FromMinutes(30));
        Assert.Equal(HttpStatusCode.OK, (await api.PostAsync("/api/subscriptions/current/resume", null)).StatusCode);
        Assert.Equal(HttpStatusCode.SeeOther, (await PortalWorld.PostFormAsync(portal, "/portal", "/portal/resume")).StatusCode);

        // A downgrade, scheduled for the renewal.
        Assert.Equal(HttpStatusCode.OK, (await api.PostAsJsonAsync("/api/subscriptions/current/change-plan", new { plan_id = _w.Starter })).StatusCode);
        Assert.Equal(HttpStatusCode.SeeOther, (await PortalWorld.PostFormAsync(portal, "/portal/plans", "/portal/plans", ("plan_id", _w.Starter.ToString()))).StatusCode);

        // Billing details with an NPWP.
        Assert.Equal(HttpStatusCode.OK, (await api.PutAsJsonAsync("/api/billing-details", new
        {
            name = "PT Maju Jaya", email = "finance@maju.example", address = "Jl. Sudirman 1\nJakarta", tax_id_type = "npwp", tax_id = "0012345678901000",
        })).StatusCode);
        Assert.Equal(HttpStatusCode.SeeOther, (await PortalWorld.PostFormAsync(portal, "/portal/billing-details", "/portal/billing-details",
            ("name", "PT Maju Jaya"), ("email", "finance@maju.example"), ("address", "Jl. Sudirman 1\nJakarta"), ("tax_id_type", "npwp"),
            ("tax_id", "0012345678901000"), ("nitku", ""))).StatusCode);

        var viaApi = await _w.H.Db.ScalarAsync<string>(Footprint, "u_api");
        var viaPortal = await _w.H.Db.ScalarAsync<string>(Footprint, "u_portal");
        Assert.Equal(viaApi, viaPortal);
        // The footprint is the whole story, not an empty match.
        foreach (var expected in new[] { "invoice|subscription_create|paid|49000", "invoice|plan_change|paid|50000", "subscription|active|Pro|Starter|f",
                     "details|PT Maju Jaya", "log|subscription|success|resumed", "notification|subscription_resumed" })
        {
            Assert.Contains(expected, viaPortal, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_trial_with_a_coupon_a_coupon_on_the_live_subscription_and_a_credit_pack_leave_the_same_rows_through_the_portal_and_the_api()
    {
        await Seed.UserAsync(_w.H.Db, "u_api");
        await Seed.UserAsync(_w.H.Db, "u_portal");
        var trial = await _w.H.Db.ScalarAsync<Guid>("""
            INSERT INTO subscription_plans (name, price, interaction_credits, scraper_credits, trial_days)
            VALUES ('Trial Pro', 99000, 300, 150, 14) RETURNING id
            """);
        await _w.H.Db.ExecAsync("""
            INSERT INTO coupons (code, name, percent_off, amount_off, duration, duration_in_periods)
            VALUES ('MULAI20', 'Mulai 20%', 20, NULL, 'repeating', 2), ('EXTRA5K', 'Extra 5K', NULL, 5000, 'once', NULL)
            """);
        var pack = await _w.H.Db.ScalarAsync<Guid>(
            "INSERT INTO credit_packs (name, credit_type, credits, price) VALUES ('Scraper 1K', 'scraper', 1000, 50000) RETURNING id");
        var api = _w.As("u_api");
        var portal = await PortalWorld.EnterAsync(_w, "u_portal");

        // The trial with a coupon: no invoice now, the coupon redeemed on the trialing subscription.
        Assert.Equal(HttpStatusCode.Created, (await api.PostAsJsonAsync("/api/subscriptions",
            new { plan_id = trial, coupon_code = "MULAI20", trial = true })).StatusCode);
        using (var res = await PortalWorld.PostFormAsync(portal, $"/portal/plans?choose={trial}&coupon=MULAI20", "/portal/plans",
                   ("plan_id", trial.ToString()), ("coupon_code", "MULAI20"), ("trial", "true")))
        {
            Assert.Equal("/portal?done=trial_started", res.Headers.Location!.OriginalString);
        }

        // A second coupon on the live subscription: it replaces the running one.
        _w.H.Api.Clock.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(HttpStatusCode.OK, (await api.PostAsJsonAsync("/api/subscriptions/current/coupon", new { coupon_code = "EXTRA5K" })).StatusCode);
        Assert.Equal(HttpStatusCode.SeeOther, (await PortalWorld.PostFormAsync(portal, "/portal/plans", "/portal/coupon", ("coupon_code", "EXTRA5K"))).StatusCode);

        // A credit pack: an invoice of its own and its link; then paid.
        _w.H.Api.Clock.Advance(TimeSpan.FromMinutes(10));
        using (var req = new HttpRequestMessage(HttpMethod.Post, $"/api/credit-packs/{pack}/purchase"))
        {
            req.Headers.Add("Idempotency-Key", "parity-pack-1");
            Assert.Equal(HttpStatusCode.Created, (await api.SendAsync(req)).StatusCode);
        }
        var (_, credits) = await portal.GetAsync("/portal/credits");
        var key = System.Text.RegularExpressions.Regex.Match(credits, "name=\"idempotency_key\" value=\"([^\"]+)\"").Groups[1].Value;
        using (var res = await PortalWorld.PostFormAsync(portal, "/portal/credits", $"/portal/credits/{pack}/buy", ("idempotency_key", key)))
        {
            Assert.StartsWith("/pay/", res.Headers.Location!.OriginalString, StringComparison.Ordinal);
        }
        await _w.PayLatestAsync("u_api");
        await _w.PayLatestAsync("u_portal");

        // The trial's end: the first invoice takes the running coupon, paid.
        _w.H.Api.Clock.Advance(TimeSpan.FromDays(14));
        await _w.H.RenewAsync();
        await _w.PayLatestAsync("u_api");
        await _w.PayLatestAsync("u_portal");

        var viaApi = await _w.H.Db.ScalarAsync<string>(Footprint, "u_api");
        var viaPortal = await _w.H.Db.ScalarAsync<string>(Footprint, "u_portal");
        Assert.Equal(viaApi, viaPortal);
        foreach (var expected in new[] { "trial|", "redemption|MULAI20", "redemption|EXTRA5K|1", "invoice|credit_pack|paid|50000",
                     "invoice|renewal|paid|94000", "credit|scraper|add|1000", "subscription|active|Trial Pro" })
        {
            Assert.Contains(expected, viaPortal, StringComparison.Ordinal);
        }
    }
}
