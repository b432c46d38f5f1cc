using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace BillingCycle.IntegrationTests.Subscriptions;

/// <summary>contract §11.2: a trial starts, converts (paid or into dunning), is canceled or changed during it; one per user.</summary>
public sealed class TrialTests : IAsyncLifetime
{
    private LifecycleWorld _w = null!;
    private Guid _trial;

    public async Task InitializeAsync()
    {
        _w = await LifecycleWorld.StartAsync();
        _trial = await _w.H.Db.ScalarAsync<Guid>("""
            INSERT INTO subscription_plans (name, price, interaction_credits, scraper_credits, trial_days)
            VALUES ('Trial Pro', 99000, 300, 150, 14) RETURNING id
            """);
    }

    public async Task DisposeAsync() => await _w.DisposeAsync();

    /// <summary>A timestamptz read back as the instant it is (Npgsql answers a UTC DateTime).</summary>
    private async Task<DateTimeOffset> AtAsync(string sql, params object[] args) =>
        new(await _w.H.Db.ScalarAsync<DateTime>(sql, args), TimeSpan.Zero);

    private static readonly DateTimeOffset TrialEnd = BillingCycle.IntegrationTests.Infrastructure.BillingHarness.Start.AddDays(14);

    private async Task<JsonElement> StartTrialAsync(string user)
    {
        var (res, body) = await _w.CheckoutAsync(user, _trial);
        Assert.Equal(HttpStatusCode.Created, res.StatusCode);
        return body;
    }

    [Fact]
    public async Task A_trial_starts_trialing_without_an_invoice_with_credits_at_once_and_one_notification()
    {
        var body = await StartTrialAsync("u_t");

        var sub = body.GetProperty("subscription");
        Assert.Equal("trialing", sub.GetProperty("status").GetString());
        Assert.Equal(TrialEnd, sub.GetProperty("trial_end").GetDateTimeOffset());
        Assert.Equal(TrialEnd, sub.GetProperty("current_period_end").GetDateTimeOffset());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("invoice").ValueKind);
        Assert.Equal(0, await _w.H.Db.ScalarAsync<long>("SELECT count(*) FROM invoices WHERE user_id = 'u_t'"));
        Assert.Equal(300, await _w.BalanceAsync("u_t", "interaction"));
        Assert.Equal(150, await _w.BalanceAsync("u_t", "scraper"));
        Assert.Equal(2, await _w.H.Db.ScalarAsync<long>(
            "SELECT count(*) FROM credit_transactions WHERE user_id = 'u_t' AND reference_id = 'trial:' || $1", sub.GetProperty("id").GetGuid()));
        Assert.Equal(1, await _w.H.Db.ScalarAsync<long>("SELECT count(*) FROM notifications WHERE user_id = 'u_t' AND type = 'trial_started'"));
        var current = await _w.As("u_t").GetFromJsonAsync<JsonElement>("/api/subscriptions/current");
        Assert.Equal(TrialEnd, current.GetProperty("subscription").GetProperty("trial_end").GetDateTimeOffset());
        var plans = (await _w.H.Api.CreateClient().GetFromJsonAsync<JsonElement>("/api/plans")).GetProperty("plans");
        Assert.Equal(14, plans.EnumerateArray().Single(p => p.GetProperty("name").GetString() == "Trial Pro").GetProperty("trial_days").GetInt32());
        Assert.All(plans.EnumerateArray(), p => Assert.Equal("month", p.GetProperty("billing_interval").GetString()));
    }

    [Fact]
    public async Task At_trial_end_the_renewal_bills_the_first_period_from_trial_end_and_payment_makes_it_active()
    {
        await StartTrialAsync("u_paid");
        _w.H.Api.Clock.SetUtcNow(TrialEnd);

        Assert.Equal(1, (await _w.H.RenewAsync()).GetProperty("summary").GetProperty("pending_payment").GetInt32());
        Assert.Equal($"renewal|99000|{TrialEnd:yyyy-MM-dd}|{TrialEnd.AddMonths(1):yyyy-MM-dd}|monthly", await _w.H.Db.ScalarAsync<string>("""
            SELECT kind || '|' || amount || '|' || to_char(period_start AT TIME ZONE 'UTC', 'YYYY-MM-DD') || '|'
                   || to_char(period_end AT TIME ZONE 'UTC', 'YYYY-MM-DD') || '|' || (line_items->>'period')
              FROM invoices WHERE user_id = 'u_paid'
            """));
        Assert.Equal(HttpStatusCode.OK, (await _w.PayLatestAsync("u_paid")).StatusCode);

        Assert.Equal("active", await _w.StatusAsync("u_paid"));
        Assert.Equal(TrialEnd.AddMonths(1), await AtAsync("SELECT current_period_end FROM subscriptions WHERE user_id = 'u_paid'"));
        Assert.Equal(300, await _w.BalanceAsync("u_paid", "interaction"));
        Assert.Equal(300, await _w.BalanceAsync("u_paid", "scraper")); // 150 from the trial, 150 from the first period
    }

    [Fact]
    public async Task A_trial_whose_first_period_is_not_paid_goes_into_dunning()
    {
        await StartTrialAsync("u_unpaid");
        _w.H.Api.Clock.SetUtcNow(TrialEnd);
        await _w.H.RenewAsync();

        await _w.PayLatestAsync("u_unpaid", "expire");

        Assert.Equal("past_due", await _w.StatusAsync("u_unpaid"));
        Assert.Equal("1|pending", await _w.H.Db.ScalarAsync<string>(
            "SELECT r.attempt_number || '|' || r.status FROM payment_retries r JOIN subscriptions s ON s.id = r.subscription_id WHERE s.user_id = 'u_unpaid'"));
    }

    [Fact]
    public async Task Canceled_during_the_trial_at_period_end_it_ends_at_trial_end_without_an_invoice()
    {
        await StartTrialAsync("u_end");
        var res = await _w.As("u_end").PostAsJsonAsync("/api/subscriptions/current/cancel", new { at_period_end = true });
        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        Assert.Equal("trialing", await _w.StatusAsync("u_end"));
        _w.H.Api.Clock.SetUtcNow(TrialEnd);

        Assert.Equal(1, (await _w.H.RenewAsync()).GetProperty("summary").GetProperty("canceled").GetInt32());
        Assert.Equal("canceled|Canceled at period end", await _w.H.Db.ScalarAsync<string>(
            "SELECT status || '|' || cancel_reason FROM subscriptions WHERE user_id = 'u_end'"));
        Assert.Equal(0, await _w.H.Db.ScalarAsync<long>("SELECT count(*) FROM invoices WHERE user_id = 'u_end'"));
    }

    [Fact]
    public async Task Canceled_now_during_the_trial_it_ends_now_without_an_invoice()
    {
        await StartTrialAsync("u_now");
        _w.H.Api.Clock.Advance(TimeSpan.FromDays(2));

        var res = await _w.As("u_now").PostAsJsonAsync("/api/subscriptions/current/cancel", new { at_period_end = false });

        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        Assert.Equal(_w.H.Api.Clock.GetUtcNow(), await AtAsync(
            "SELECT canceled_at FROM subscriptions WHERE user_id = 'u_now' AND status = 'canceled'"));
        _w.H.Api.Clock.SetUtcNow(TrialEnd);
        await _w.H.RenewAsync();
        Assert.Equal(0, await _w.H.Db.ScalarAsync<long>("SELECT count(*) FROM invoices WHERE user_id = 'u_now'"));
    }

    [Fact]
    public async Task Changed_during_the_trial_the_plan_switches_at_once_without_an_invoice_and_trial_end_stays()
    {
        await StartTrialAsync("u_ch");
        _w.H.Api.Clock.Advance(TimeSpan.FromDays(3));

        var res = await _w.As("u_ch").PostAsJsonAsync("/api/subscriptions/current/change-plan", new { plan_id = _w.Pro });

        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        var body = await LifecycleWorld.JsonAsync(res);
        Assert.Equal(JsonValueKind.Null, body.GetProperty("invoice").ValueKind);
        Assert.Equal("Pro", body.GetProperty("subscription").GetProperty("plan").GetProperty("name").GetString());
        Assert.Equal("trialing", body.GetProperty("subscription").GetProperty("status").GetString());
        Assert.Equal(TrialEnd, body.GetProperty("subscription").GetProperty("trial_end").GetDateTimeOffset());
        Assert.Equal(0, await _w.H.Db.ScalarAsync<long>("SELECT count(*) FROM invoices WHERE user_id = 'u_ch'"));
        Assert.Equal(1_000, await _w.BalanceAsync("u_ch", "interaction"));
        Assert.Equal(500, await _w.BalanceAsync("u_ch", "scraper")); // 150 + the difference 350
        _w.H.Api.Clock.SetUtcNow(TrialEnd);
        await _w.H.RenewAsync();
        Assert.Equal(149_000, await _w.H.Db.ScalarAsync<long>("SELECT amount FROM invoices WHERE user_id = 'u_ch'"));
    }

    [Fact]
    public async Task Concurrent_trial_checkouts_make_one_trial_and_a_second_trial_is_refused_with_nothing_changed()
    {
        var first = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => _w.CheckoutAsync("u_once", _trial)));
        Assert.Equal(1, first.Count(a => a.Response.StatusCode == HttpStatusCode.Created));
        Assert.All(first.Where(a => a.Response.StatusCode != HttpStatusCode.Created),
            a => Assert.Equal("SUBSCRIPTION_EXISTS", a.Body.GetProperty("code").GetString()));
        await _w.As("u_once").PostAsJsonAsync("/api/subscriptions/current/cancel", new { at_period_end = false });
        var before = await _w.H.Db.ScalarAsync<long>("SELECT count(*) FROM credit_transactions WHERE user_id = 'u_once'");

        var again = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ =>
            _w.As("u_once").PostAsJsonAsync("/api/subscriptions", new { plan_id = _trial, trial = true })));

        Assert.All(again, r => Assert.Equal(HttpStatusCode.Conflict, r.StatusCode));
        foreach (var r in again)
        {
            Assert.Equal("TRIAL_ALREADY_USED", (await LifecycleWorld.JsonAsync(r)).GetProperty("code").GetString());
        }
        Assert.Equal(1, await _w.H.Db.ScalarAsync<long>("SELECT count(*) FROM subscriptions WHERE user_id = 'u_once'"));
        Assert.Equal(1, await _w.H.Db.ScalarAsync<long>("SELECT count(*) FROM trial_users WHERE user_id = 'u_once'"));
        Assert.Equal(before, await _w.H.Db.ScalarAsync<long>("SELECT count(*) FROM credit_transactions WHERE user_id = 'u_once'"));
        // Without asking for the trial, a user who had one checks out a paid subscription.
        var (paid, body) = await _w.CheckoutAsync("u_once", _trial);
        Assert.Equal(HttpStatusCode.Created, paid.StatusCode);
        Assert.Equal("incomplete", body.GetProperty("subscription").GetProperty("status").GetString());
        Assert.Equal(99_000, body.GetProperty("invoice").GetProperty("amount").GetInt64());
    }

    [Fact]
    public async Task Bad_input_is_refused_with_codes_and_changes_nothing()
    {
        var unknown = await _w.As("u_bad").PostAsJsonAsync("/api/subscriptions", new { plan_id = Guid.NewGuid(), trial = true });
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("PLAN_NOT_FOUND", (await LifecycleWorld.JsonAsync(unknown)).GetProperty("code").GetString());
        var malformed = await _w.As("u_bad").PostAsJsonAsync("/api/subscriptions", new { plan_id = _trial, trial = "yes" });
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Equal("INVALID_REQUEST", (await LifecycleWorld.JsonAsync(malformed)).GetProperty("code").GetString());
        Assert.Equal(0, await _w.H.Db.ScalarAsync<long>("SELECT count(*) FROM subscriptions"));
        Assert.Equal(0, await _w.H.Db.ScalarAsync<long>("SELECT count(*) FROM trial_users"));
        await Assert.ThrowsAsync<Npgsql.PostgresException>(() =>
            _w.H.Db.ExecAsync("INSERT INTO subscription_plans (name, price, billing_interval) VALUES ('Weekly', 1000, 'week')"));
        await Assert.ThrowsAsync<Npgsql.PostgresException>(() =>
            _w.H.Db.ExecAsync("INSERT INTO subscription_plans (name, price, trial_days) VALUES ('Neg', 1000, -1)"));
    }

    [Fact]
    public async Task The_trial_will_end_reminder_event_and_email_go_out_once()
    {
        var sub = (await StartTrialAsync("u_rem")).GetProperty("subscription").GetProperty("id").GetGuid();
        _w.H.Api.Clock.SetUtcNow(TrialEnd.AddDays(-3).AddMinutes(-1));
        await _w.H.Api.Cron().PostAsync("/api/billing/housekeeping", null);
        Assert.Equal(0, await _w.H.Db.ScalarAsync<long>("SELECT count(*) FROM notifications WHERE type = 'trial_will_end'"));

        _w.H.Api.Clock.Advance(TimeSpan.FromMinutes(2));
        var first = await LifecycleWorld.JsonAsync(await _w.H.Api.Cron().PostAsync("/api/billing/housekeeping", null));
        _w.H.Api.Clock.Advance(TimeSpan.FromHours(1));
        await _w.H.Api.Cron().PostAsync("/api/billing/housekeeping", null);
        var now = _w.H.Api.Clock.GetUtcNow();
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ =>
            _w.H.Db.ScalarAsync<int>("SELECT reminders_queue_trial_will_end($1, 3, 500)", now)));

        Assert.Equal(1, first.GetProperty("reconciliation").GetProperty("trial_will_end_reminders").GetInt32());
        Assert.Equal(1, await _w.H.Db.ScalarAsync<long>("SELECT count(*) FROM notifications WHERE user_id = 'u_rem' AND type = 'trial_will_end'"));
        Assert.Equal(1, await _w.H.Db.ScalarAsync<long>(
            "SELECT count(*) FROM events WHERE type = 'subscription.trial_will_end' AND data->'object'->>'id' = $1", sub.ToString()));
        Assert.Equal(1, await _w.H.Db.ScalarAsync<long>(
            "SELECT count(*) FROM reminders WHERE kind = 'trial_will_end' AND subscription_id = $1", sub));
    }
}
