using System.Net;
using System.Net.Http.Json;

namespace BillingCycle.IntegrationTests.Subscriptions;

/// <summary>contract §7.1–§7.3: plans, checkout, its first payment, reading it back.</summary>
public sealed class CheckoutTests : IAsyncLifetime
{
    private LifecycleWorld _w = null!;

    public async Task InitializeAsync() => _w = await LifecycleWorld.StartAsync();

    public async Task DisposeAsync() => await _w.DisposeAsync();

    [Fact]
    public async Task Plans_are_the_active_ones_cheapest_first_without_a_token()
    {
        await _w.H.Db.ExecAsync("INSERT INTO subscription_plans (name, price, is_active) VALUES ('Old', 1000, false)");

        var plans = (await _w.H.Api.CreateClient().GetFromJsonAsync<System.Text.Json.JsonElement>("/api/plans")).GetProperty("plans");

        Assert.Equal(["Starter", "Pro"], plans.EnumerateArray().Select(p => p.GetProperty("name").GetString()));
        Assert.Equal(1_000, plans[1].GetProperty("interaction_credits").GetInt64());
    }

    [Fact]
    public async Task A_checkout_is_incomplete_until_paid_then_active_with_the_plans_credits_and_one_notification()
    {
        var (res, body) = await _w.CheckoutAsync("u_new", _w.Pro);

        Assert.Equal(HttpStatusCode.Created, res.StatusCode);
        Assert.Equal("incomplete", body.GetProperty("subscription").GetProperty("status").GetString());
        var invoice = body.GetProperty("invoice");
        Assert.Equal("subscription_create", invoice.GetProperty("kind").GetString());
        Assert.Equal(149_000, invoice.GetProperty("amount").GetInt64());
        Assert.StartsWith("https://billing.test/pay/", invoice.GetProperty("invoice_url").GetString(), StringComparison.Ordinal);
        Assert.Contains("/pay/", body.GetProperty("payment_url").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await _w.PayLatestAsync("u_new")).StatusCode);

        Assert.Equal("active", await _w.StatusAsync("u_new"));
        Assert.Equal(1_000, await _w.BalanceAsync("u_new", "interaction"));
        Assert.Equal(500, await _w.BalanceAsync("u_new", "scraper"));
        Assert.Equal("Langganan Anda sudah aktif", await _w.H.Db.ScalarAsync<string>(
            "SELECT string_agg(title, ',') FROM notifications WHERE user_id = 'u_new' AND type = 'subscription_activated'"));
        var current = await _w.As("u_new").GetFromJsonAsync<System.Text.Json.JsonElement>("/api/subscriptions/current");
        Assert.Equal("active", current.GetProperty("subscription").GetProperty("status").GetString());
        Assert.Equal("Pro", current.GetProperty("subscription").GetProperty("plan").GetProperty("name").GetString());
    }

    [Fact]
    public async Task An_unpaid_checkout_is_never_renewed_and_is_canceled_once_its_link_has_expired()
    {
        await _w.CheckoutAsync("u_never", _w.Starter);
        _w.H.Api.Clock.Advance(TimeSpan.FromDays(40));

        await _w.H.RenewAsync(); // its reconciliation expires the dead link; nothing is billed
        var housekeeping = await _w.H.Api.Cron().PostAsync("/api/billing/housekeeping", null);

        Assert.Equal(1, await _w.H.Db.ScalarAsync<long>("SELECT count(*) FROM invoices WHERE user_id = 'u_never'"));
        Assert.Equal(1, (await LifecycleWorld.JsonAsync(housekeeping)).GetProperty("reconciliation").GetProperty("checkouts_expired").GetInt32());
        Assert.Equal("canceled|Checkout not paid|cancelled", await _w.H.Db.ScalarAsync<string>(
            "SELECT s.status || '|' || s.cancel_reason || '|' || i.status FROM subscriptions s JOIN invoices i ON i.subscription_id = s.id WHERE s.user_id = 'u_never'"));
        Assert.Equal(0, await _w.H.Db.ScalarAsync<long>("SELECT count(*) FROM credit_transactions WHERE user_id = 'u_never'"));
        // A canceled checkout frees the user to check out again.
        Assert.Equal(HttpStatusCode.Created, (await _w.CheckoutAsync("u_never", _w.Pro)).Response.StatusCode);
    }

    [Fact]
    public async Task Two_concurrent_checkouts_by_one_user_make_one_subscription()
    {
        var answers = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => _w.CheckoutAsync("u_race", _w.Starter)));

        Assert.Equal(1, answers.Count(a => a.Response.StatusCode == HttpStatusCode.Created));
        Assert.All(answers.Where(a => a.Response.StatusCode != HttpStatusCode.Created),
            a => Assert.Equal("SUBSCRIPTION_EXISTS", a.Body.GetProperty("code").GetString()));
        Assert.Equal(1, await _w.H.Db.ScalarAsync<long>("SELECT count(*) FROM subscriptions WHERE user_id = 'u_race'"));
        Assert.Equal(1, await _w.H.Db.ScalarAsync<long>("SELECT count(*) FROM invoices WHERE user_id = 'u_race'"));
    }

    [Fact]
    public async Task A_checkout_paid_on_two_links_activates_and_grants_once_and_flags_the_second_payment()
    {
        await _w.CheckoutAsync("u_twice", _w.Pro);
        var first = await _w.H.Db.ScalarAsync<string>("SELECT reference_id FROM payments p JOIN invoices i ON i.id = p.invoice_id WHERE i.user_id = 'u_twice'");
        // The first link has under 30 minutes left: pay now makes a second one.
        _w.H.Api.Clock.Advance(TimeSpan.FromHours(23.7));
        var invoice = await _w.H.Db.ScalarAsync<Guid>("SELECT id FROM invoices WHERE user_id = 'u_twice'");
        var pay = await _w.As("u_twice").PostAsync($"/api/invoices/{invoice}/pay", null);
        Assert.Equal(HttpStatusCode.OK, pay.StatusCode);
        Assert.Equal(2, (await LifecycleWorld.JsonAsync(pay)).GetProperty("attempt_number").GetInt32());

        var second = first[..^1] + "2";
        Assert.Equal(HttpStatusCode.OK, (await _w.H.DeliverAsync(_w.H.StandIn.Act(first, "pay"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _w.H.DeliverAsync(_w.H.StandIn.Act(second, "pay"))).StatusCode);

        Assert.Equal("active", await _w.StatusAsync("u_twice"));
        Assert.Equal(2, await _w.H.Db.ScalarAsync<long>("SELECT count(*) FROM credit_transactions WHERE user_id = 'u_twice'"));
        Assert.Equal(1, await _w.H.Db.ScalarAsync<long>("SELECT count(*) FROM notifications WHERE user_id = 'u_twice' AND type = 'subscription_activated'"));
        Assert.Equal("invoice_already_paid", await _w.H.Db.ScalarAsync<string>(
            "SELECT oddity FROM payments p JOIN invoices i ON i.id = p.invoice_id WHERE i.user_id = 'u_twice' AND p.oddity IS NOT NULL"));
    }

    [Fact]
    public async Task Unknown_inactive_or_malformed_plans_and_foreign_users_are_refused_with_codes()
    {
        Assert.Equal("PLAN_NOT_FOUND", (await _w.CheckoutAsync("u_bad", Guid.NewGuid())).Body.GetProperty("code").GetString());
        var malformed = await _w.As("u_bad").PostAsJsonAsync("/api/subscriptions", new { plan_id = "pro" });
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Equal("INVALID_PLAN", (await LifecycleWorld.JsonAsync(malformed)).GetProperty("code").GetString());
        var forOther = await _w.As("u_bad").PostAsJsonAsync("/api/subscriptions", new { plan_id = _w.Pro, user_id = "u_victim" });
        Assert.Equal(HttpStatusCode.Forbidden, forOther.StatusCode);
        var none = await _w.As("u_bad").GetAsync("/api/subscriptions/current");
        Assert.Equal(HttpStatusCode.NotFound, none.StatusCode);
        Assert.Equal("NO_SUBSCRIPTION", (await LifecycleWorld.JsonAsync(none)).GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, (await _w.H.Api.CreateClient().PostAsJsonAsync("/api/subscriptions", new { plan_id = _w.Pro })).StatusCode);
        Assert.Equal(0, await _w.H.Db.ScalarAsync<long>("SELECT count(*) FROM subscriptions"));
    }

    [Fact]
    public async Task An_admin_checks_out_for_another_user_and_the_idempotency_key_answers_a_repeat_once()
    {
        var admin = _w.H.Api.ClientFor(_w.H.Api.Tokens.Admin("admin_ops"));
        HttpRequestMessage Request() => new(HttpMethod.Post, "/api/subscriptions")
        {
            Content = JsonContent.Create(new { plan_id = _w.Starter, user_id = "u_managed" }),
            Headers = { { "Idempotency-Key", "checkout-1" } },
        };

        var first = await admin.SendAsync(Request());
        var again = await admin.SendAsync(Request());

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        Assert.Equal((await LifecycleWorld.JsonAsync(first)).GetProperty("subscription").GetProperty("id").GetGuid(),
            (await LifecycleWorld.JsonAsync(again)).GetProperty("subscription").GetProperty("id").GetGuid());
        Assert.Equal(1, await _w.H.Db.ScalarAsync<long>("SELECT count(*) FROM subscriptions WHERE user_id = 'u_managed'"));
    }
}
