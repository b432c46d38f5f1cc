using System.Net;
using System.Net.Http.Json;

namespace BillingCycle.IntegrationTests.Subscriptions;

/// <summary>contract §7.5: upgrades are paid before they take effect; downgrades wait for the renewal.</summary>
public sealed class PlanChangeTests : IAsyncLifetime
{
    private LifecycleWorld _w = null!;

    public async Task InitializeAsync() => _w = await LifecycleWorld.StartAsync();

    public async Task DisposeAsync() => await _w.DisposeAsync();

    /// <summary>A paid Starter subscription that started at the harness clock (2026-11-01 02:00).</summary>
    private async Task<string> ActiveStarterAsync(string user)
    {
        await _w.CheckoutAsync(user, _w.Starter);
        Assert.Equal(HttpStatusCode.OK, (await _w.PayLatestAsync(user)).StatusCode);
        Assert.Equal("active", await _w.StatusAsync(user));
        return user;
    }

    [Fact]
    public async Task An_upgrade_is_invoiced_prorated_and_changes_the_plan_and_credits_only_when_paid()
    {
        var user = await ActiveStarterAsync("u_up");
        await _w.H.Db.ExecAsync("SELECT add_scraper_credits('u_up', 40, 'spent-less', 'left over')");
        _w.H.Api.Clock.Advance(TimeSpan.FromDays(15)); // 15 of November's 30 days gone

        var res = await _w.As(user).PostAsJsonAsync("/api/subscriptions/current/change-plan", new { plan_id = _w.Pro });
        var body = await LifecycleWorld.JsonAsync(res);

        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        var invoice = body.GetProperty("invoice");
        Assert.Equal("plan_change", invoice.GetProperty("kind").GetString());
        Assert.Equal(50_000, invoice.GetProperty("amount").GetInt64()); // (149,000 − 49,000) × 15/30
        Assert.Equal(100_000, invoice.GetProperty("line_items").GetProperty("full_difference").GetInt64());
        Assert.Equal("Starter", body.GetProperty("subscription").GetProperty("plan").GetProperty("name").GetString());
        Assert.Equal(200, await _w.BalanceAsync(user, "interaction"));

        Assert.Equal(HttpStatusCode.OK, (await _w.PayLatestAsync(user)).StatusCode);

        Assert.Equal("Pro|2026-12-01", await _w.H.Db.ScalarAsync<string>("""
            SELECT p.name || '|' || to_char(s.current_period_end AT TIME ZONE 'UTC', 'YYYY-MM-DD')
              FROM subscriptions s JOIN subscription_plans p ON p.id = s.plan_id WHERE s.user_id = 'u_up'
            """));
        Assert.Equal(1_000, await _w.BalanceAsync(user, "interaction"));        // reset to Pro's
        Assert.Equal(100 + 40 + 400, await _w.BalanceAsync(user, "scraper"));   // + (500 − 100)
        Assert.Equal(1, await _w.H.Db.ScalarAsync<long>("SELECT count(*) FROM notifications WHERE user_id = 'u_up' AND type = 'plan_changed'"));
    }

    [Fact]
    public async Task An_unpaid_upgrade_expires_without_touching_the_subscription_or_starting_dunning()
    {
        var user = await ActiveStarterAsync("u_up_unpaid");
        _w.H.Api.Clock.Advance(TimeSpan.FromDays(2));
        await _w.As(user).PostAsJsonAsync("/api/subscriptions/current/change-plan", new { plan_id = _w.Pro });

        Assert.Equal(HttpStatusCode.OK, (await _w.PayLatestAsync(user, "expire")).StatusCode);
        _w.H.Api.Clock.Advance(TimeSpan.FromDays(2));
        await _w.H.Api.Cron().PostAsync("/api/billing/housekeeping", null);

        Assert.Equal("cancelled", await _w.H.Db.ScalarAsync<string>("SELECT status FROM invoices WHERE user_id = 'u_up_unpaid' AND kind = 'plan_change'"));
        Assert.Equal("active|Starter", await _w.H.Db.ScalarAsync<string>(
            "SELECT s.status || '|' || p.name FROM subscriptions s JOIN subscription_plans p ON p.id = s.plan_id WHERE s.user_id = 'u_up_unpaid'"));
        Assert.Equal(0, await _w.H.Db.ScalarAsync<long>("SELECT count(*) FROM payment_retries"));
    }

    [Fact]
    public async Task A_downgrade_applies_at_the_next_renewal_and_its_credits_follow_the_new_plan()
    {
        await _w.CheckoutAsync("u_down", _w.Pro);
        await _w.PayLatestAsync("u_down");

        var res = await _w.As("u_down").PostAsJsonAsync("/api/subscriptions/current/change-plan", new { plan_id = _w.Starter });
        var body = await LifecycleWorld.JsonAsync(res);
        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, body.GetProperty("invoice").ValueKind);
        Assert.Equal("Starter", body.GetProperty("subscription").GetProperty("scheduled_plan").GetProperty("name").GetString());
        Assert.Equal("Pro", body.GetProperty("subscription").GetProperty("plan").GetProperty("name").GetString());

        _w.H.Api.Clock.Advance(TimeSpan.FromDays(30));
        await _w.H.RenewAsync();
        Assert.Equal(49_000, await _w.H.Db.ScalarAsync<long>("SELECT amount FROM invoices WHERE user_id = 'u_down' AND kind = 'renewal'"));
        await _w.PayLatestAsync("u_down");

        Assert.Equal("Starter|", await _w.H.Db.ScalarAsync<string>(
            "SELECT p.name || '|' || coalesce(s.scheduled_plan_id::text, '') FROM subscriptions s JOIN subscription_plans p ON p.id = s.plan_id WHERE s.user_id = 'u_down'"));
        Assert.Equal(200, await _w.BalanceAsync("u_down", "interaction"));
        Assert.Equal(500 + 100, await _w.BalanceAsync("u_down", "scraper"));
    }

    [Fact]
    public async Task Asking_for_the_current_plan_clears_a_scheduled_change_and_a_new_request_withdraws_an_open_upgrade()
    {
        var user = await ActiveStarterAsync("u_mind");
        _w.H.Api.Clock.Advance(TimeSpan.FromDays(3));
        await _w.As(user).PostAsJsonAsync("/api/subscriptions/current/change-plan", new { plan_id = _w.Pro });
        var back = await LifecycleWorld.JsonAsync(await _w.As(user).PostAsJsonAsync("/api/subscriptions/current/change-plan", new { plan_id = _w.Starter }));

        Assert.Equal("cancelled", await _w.H.Db.ScalarAsync<string>("SELECT status FROM invoices WHERE user_id = 'u_mind' AND kind = 'plan_change'"));
        Assert.Equal(System.Text.Json.JsonValueKind.Null, back.GetProperty("subscription").GetProperty("scheduled_plan").ValueKind);
        Assert.Equal(0, await _w.H.Db.ScalarAsync<long>(
            "SELECT count(*) FROM payments p JOIN invoices i ON i.id = p.invoice_id WHERE i.kind = 'plan_change' AND p.status = 'pending'"));
    }

    [Fact]
    public async Task An_upgrade_still_open_at_renewal_is_withdrawn_and_the_renewal_bills_the_current_plan()
    {
        var user = await ActiveStarterAsync("u_late");
        _w.H.Api.Clock.Advance(TimeSpan.FromDays(25)); // 5 days left: 16,667, above the minimum charge
        await _w.As(user).PostAsJsonAsync("/api/subscriptions/current/change-plan", new { plan_id = _w.Pro });
        _w.H.Api.Clock.Advance(TimeSpan.FromDays(5));

        await _w.H.RenewAsync();

        Assert.Equal("plan_change:cancelled,renewal:pending", await _w.H.Db.ScalarAsync<string>(
            "SELECT string_agg(kind || ':' || status, ',' ORDER BY kind) FROM invoices WHERE user_id = 'u_late' AND kind <> 'subscription_create'"));
        Assert.Equal(49_000, await _w.H.Db.ScalarAsync<long>("SELECT amount FROM invoices WHERE user_id = 'u_late' AND kind = 'renewal'"));
    }

    [Fact]
    public async Task An_upgrade_below_the_minimum_charge_applies_at_once_without_an_invoice()
    {
        var user = await ActiveStarterAsync("u_cheap");
        _w.H.Api.Clock.Advance(TimeSpan.FromDays(29)); // one day left: 3,333 < 5,000

        var body = await LifecycleWorld.JsonAsync(await _w.As(user).PostAsJsonAsync("/api/subscriptions/current/change-plan", new { plan_id = _w.Pro }));

        Assert.Equal(System.Text.Json.JsonValueKind.Null, body.GetProperty("invoice").ValueKind);
        Assert.Equal("Pro", body.GetProperty("subscription").GetProperty("plan").GetProperty("name").GetString());
        Assert.Equal(0, await _w.H.Db.ScalarAsync<long>("SELECT count(*) FROM invoices WHERE user_id = 'u_cheap' AND kind = 'plan_change'"));
        Assert.Equal(1_000, await _w.BalanceAsync(user, "interaction"));
        Assert.Equal(1, await _w.H.Db.ScalarAsync<long>(
            "SELECT count(*) FROM billing_logs WHERE user_id = 'u_cheap' AND details->>'action' = 'upgrade_applied_without_charge'"));
    }

    [Fact]
    public async Task Past_due_and_canceled_subscriptions_cannot_change_plan()
    {
        await _w.CheckoutAsync("u_inc", _w.Starter); // incomplete
        var res = await _w.As("u_inc").PostAsJsonAsync("/api/subscriptions/current/change-plan", new { plan_id = _w.Pro });
        Assert.Equal(HttpStatusCode.Conflict, res.StatusCode);
        Assert.Equal("SUBSCRIPTION_NOT_ACTIVE", (await LifecycleWorld.JsonAsync(res)).GetProperty("code").GetString());
    }
}
