using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BillingCycle.TestSupport;

namespace BillingCycle.IntegrationTests.Subscriptions;

/// <summary>contract §11.1: yearly periods by the calendar rule, monthly allowances once each, interval changes scheduled.</summary>
public sealed class YearlyPlanTests : IAsyncLifetime
{
    private LifecycleWorld _w = null!;
    private Guid _yearly;

    public async Task InitializeAsync()
    {
        _w = await LifecycleWorld.StartAsync();
        _yearly = await _w.H.Db.ScalarAsync<Guid>("""
            INSERT INTO subscription_plans (name, price, interaction_credits, scraper_credits, billing_interval)
            VALUES ('Pro Yearly', 1490000, 1000, 500, 'year') RETURNING id
            """);
    }

    public async Task DisposeAsync() => await _w.DisposeAsync();

    /// <summary>A timestamptz read back as the instant it is (Npgsql answers a UTC DateTime).</summary>
    private async Task<DateTimeOffset> AtAsync(string sql, params object[] args) =>
        new(await _w.H.Db.ScalarAsync<DateTime>(sql, args), TimeSpan.Zero);

    private static DateTimeOffset Utc(int y, int m, int d, int h = 10) => new(y, m, d, h, 0, 0, TimeSpan.Zero);

    private Task<JsonElement> HousekeepingAsync() =>
        _w.H.Api.Cron().PostAsync("/api/billing/housekeeping", null).ContinueWith(t => LifecycleWorld.JsonAsync(t.Result)).Unwrap();

    private Task<string> AllowancesAsync(string user) => _w.H.Db.ScalarAsync<string>("""
        SELECT coalesce(string_agg(split_part(reference_id, ':', 2), ',' ORDER BY seq), '')
          FROM credit_transactions WHERE user_id = $1 AND credit_type = 'interaction' AND reference_id LIKE '%:m%'
        """, user);

    private async Task CheckOutAndPayAsync(string user)
    {
        var (res, body) = await _w.CheckoutAsync(user, _yearly);
        Assert.Equal(HttpStatusCode.Created, res.StatusCode);
        Assert.Equal("yearly", body.GetProperty("invoice").GetProperty("line_items").GetProperty("period").GetString());
        Assert.Equal(HttpStatusCode.OK, (await _w.PayLatestAsync(user)).StatusCode);
    }

    [Fact]
    public async Task A_yearly_period_anchored_on_29_February_clamps_to_28_February_and_returns_to_the_29th_in_the_next_leap_year()
    {
        _w.H.Api.Clock.SetUtcNow(Utc(2028, 2, 29));
        await CheckOutAndPayAsync("u_leap");
        Assert.Equal(Utc(2029, 2, 28), await AtAsync("SELECT current_period_end FROM subscriptions WHERE user_id = 'u_leap'"));

        foreach (var (renewOn, end) in new[] { (Utc(2029, 2, 28), Utc(2030, 2, 28)), (Utc(2030, 2, 28), Utc(2031, 2, 28)),
                                               (Utc(2031, 2, 28), Utc(2032, 2, 29)) })
        {
            _w.H.Api.Clock.SetUtcNow(renewOn);
            Assert.Equal(1, (await _w.H.RenewAsync()).GetProperty("summary").GetProperty("pending_payment").GetInt32());
            await _w.PayLatestAsync("u_leap");
            Assert.Equal(end, await AtAsync("SELECT current_period_end FROM subscriptions WHERE user_id = 'u_leap'"));
        }
        Assert.Equal("yearly,yearly,yearly,yearly", await _w.H.Db.ScalarAsync<string>(
            "SELECT string_agg(line_items->>'period', ',' ORDER BY period_start) FROM invoices WHERE user_id = 'u_leap'"));
        Assert.Equal(4 * 1_490_000, await _w.H.Db.ScalarAsync<long>("SELECT sum(amount) FROM invoices WHERE user_id = 'u_leap' AND status = 'paid'"));
    }

    [Fact]
    public async Task Allowances_anchored_on_31_January_begin_on_the_clamped_day_across_a_leap_February()
    {
        _w.H.Api.Clock.SetUtcNow(Utc(2028, 1, 31));
        await CheckOutAndPayAsync("u_jan");

        _w.H.Api.Clock.SetUtcNow(Utc(2028, 2, 29).AddMinutes(-1));
        await HousekeepingAsync();
        Assert.Equal("", await AllowancesAsync("u_jan"));
        _w.H.Api.Clock.SetUtcNow(Utc(2028, 2, 29));
        await HousekeepingAsync();
        Assert.Equal("m2", await AllowancesAsync("u_jan"));
        _w.H.Api.Clock.SetUtcNow(Utc(2028, 3, 31).AddMinutes(-1));
        await HousekeepingAsync();
        Assert.Equal("m2", await AllowancesAsync("u_jan"));
        _w.H.Api.Clock.SetUtcNow(Utc(2028, 3, 31));
        await HousekeepingAsync();
        Assert.Equal("m2,m3", await AllowancesAsync("u_jan"));
    }

    [Fact]
    public async Task Months_2_to_12_are_granted_once_each_however_often_housekeeping_runs_and_none_after_a_cancellation()
    {
        await CheckOutAndPayAsync("u_year");
        await CheckOutAndPayAsync("u_quit");
        var start = _w.H.Api.Clock.GetUtcNow();
        for (var m = 1; m <= 13; m++)
        {
            _w.H.Api.Clock.SetUtcNow(start.AddMonths(m).AddHours(1));
            await HousekeepingAsync();
            _w.H.Api.Clock.Advance(TimeSpan.FromDays(3));
            await HousekeepingAsync();
            var now = _w.H.Api.Clock.GetUtcNow();
            await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => _w.H.Db.ScalarAsync<int>("SELECT billing_grant_allowances($1, 500)", now)));
            if (m == 2)
            {
                var res = await _w.As("u_quit").PostAsJsonAsync("/api/subscriptions/current/cancel", new { at_period_end = false });
                Assert.Equal(HttpStatusCode.OK, res.StatusCode);
            }
        }

        Assert.Equal("m2,m3,m4,m5,m6,m7,m8,m9,m10,m11,m12", await AllowancesAsync("u_year"));
        Assert.Equal("m2,m3", await AllowancesAsync("u_quit"));
        // Every allowance once per credit type: one reset and one add per (invoice, month), nothing twice.
        Assert.Equal(0, await _w.H.Db.ScalarAsync<long>("""
            SELECT count(*) FROM (SELECT reference_id, credit_type FROM credit_transactions WHERE reference_id LIKE '%:m%'
                                  GROUP BY reference_id, credit_type HAVING count(*) <> 1) d
            """));
        Assert.Equal(500 * 12, await _w.BalanceAsync("u_year", "scraper"));
        Assert.Equal(500 * 3, await _w.BalanceAsync("u_quit", "scraper"));
    }

    [Fact]
    public async Task A_month_beginning_at_the_instant_of_a_cancellation_is_granted_whether_housekeeping_or_the_cancel_comes_first()
    {
        // contract §11.1: never for a month that starts *after* a cancellation. One starting at the very
        // instant is not, so which of the two runs first must not matter (a frozen clock makes them
        // equal); a cancel one tick before the month begins still withholds it.
        await CheckOutAndPayAsync("u_grant_first");
        await CheckOutAndPayAsync("u_cancel_first");
        await CheckOutAndPayAsync("u_cancel_before");
        var monthTwo = _w.H.Api.Clock.GetUtcNow().AddMonths(1);
        _w.H.Api.Clock.SetUtcNow(monthTwo.AddTicks(-10)); // a microsecond, PostgreSQL's resolution
        await CancelNowAsync("u_cancel_before");
        _w.H.Api.Clock.SetUtcNow(monthTwo);
        await CancelNowAsync("u_cancel_first");
        await HousekeepingAsync();
        await CancelNowAsync("u_grant_first");
        _w.H.Api.Clock.Advance(TimeSpan.FromDays(40));
        await HousekeepingAsync();

        // The premise: each cancel is at (or a tick before) month 2's start as the grant computes it.
        Assert.Equal("u_cancel_before:-1,u_cancel_first:0,u_grant_first:0", await _w.H.Db.ScalarAsync<string>("""
            SELECT string_agg(user_id || ':' || sign(extract(epoch FROM canceled_at - billing_add_months(billing_anchor, 1))), ',' ORDER BY user_id)
              FROM subscriptions WHERE user_id IN ('u_grant_first', 'u_cancel_first', 'u_cancel_before')
            """));
        Assert.Equal("m2", await AllowancesAsync("u_grant_first"));
        Assert.Equal("m2", await AllowancesAsync("u_cancel_first"));
        Assert.Equal("", await AllowancesAsync("u_cancel_before"));
        var violations = await InvariantChecker.CheckAsync(_w.H.Db.DataSource, clockNow: _w.H.Api.Clock.GetUtcNow());
        Assert.DoesNotContain(violations, v => v.Rule.StartsWith("monthly allowances", StringComparison.Ordinal));
    }

    private async Task CancelNowAsync(string user) =>
        Assert.Equal(HttpStatusCode.OK, (await _w.As(user).PostAsJsonAsync("/api/subscriptions/current/cancel", new { at_period_end = false })).StatusCode);

    [Fact]
    public async Task Moving_from_monthly_to_yearly_is_scheduled_for_the_next_renewal_which_bills_a_whole_year()
    {
        await _w.CheckoutAsync("u_switch", _w.Starter);
        await _w.PayLatestAsync("u_switch");
        var anchor = _w.H.Api.Clock.GetUtcNow();

        var res = await _w.As("u_switch").PostAsJsonAsync("/api/subscriptions/current/change-plan", new { plan_id = _yearly });

        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        var body = await LifecycleWorld.JsonAsync(res);
        Assert.Equal(JsonValueKind.Null, body.GetProperty("invoice").ValueKind);
        Assert.Equal("year", body.GetProperty("subscription").GetProperty("scheduled_plan").GetProperty("billing_interval").GetString());
        Assert.Equal("Starter", body.GetProperty("subscription").GetProperty("plan").GetProperty("name").GetString());
        _w.H.Api.Clock.SetUtcNow(anchor.AddMonths(1));
        await _w.H.RenewAsync();
        Assert.Equal($"1490000|yearly|{anchor.AddMonths(13):yyyy-MM-dd}", await _w.H.Db.ScalarAsync<string>("""
            SELECT amount || '|' || (line_items->>'period') || '|' || to_char(period_end AT TIME ZONE 'UTC', 'YYYY-MM-DD')
              FROM invoices WHERE user_id = 'u_switch' AND kind = 'renewal'
            """));
        await _w.PayLatestAsync("u_switch");
        Assert.Equal("Pro Yearly", await _w.H.Db.ScalarAsync<string>(
            "SELECT p.name FROM subscriptions s JOIN subscription_plans p ON p.id = s.plan_id WHERE s.user_id = 'u_switch'"));
    }

    [Fact]
    public async Task The_console_counts_a_yearly_price_as_a_twelfth_of_mrr_and_counts_trials_apart()
    {
        await CheckOutAndPayAsync("u_mrr_year");
        await _w.CheckoutAsync("u_mrr_month", _w.Pro);
        await _w.PayLatestAsync("u_mrr_month");
        var trial = await _w.H.Db.ScalarAsync<Guid>("INSERT INTO subscription_plans (name, price, trial_days) VALUES ('Try', 99000, 7) RETURNING id");
        Assert.Equal(HttpStatusCode.Created, (await _w.CheckoutAsync("u_mrr_trial", trial)).Response.StatusCode);

        using var admin = BillingCycle.IntegrationTests.Console.ConsoleSession.WithBearer(_w.H.Api, _w.H.Api.Tokens.Admin("user_operator"));
        var (status, html) = await admin.GetAsync("/admin");

        Assert.Equal(HttpStatusCode.OK, status);
        // contract §11.5: Rp1.490.000 a year is Rp124.167 a month (half up); the trial pays nothing yet.
        Assert.Equal(124_167 + 149_000, BillingCycle.IntegrationTests.Console.ConsoleSession.Figure(html, "mrr"));
        Assert.Equal(1, BillingCycle.IntegrationTests.Console.ConsoleSession.Figure(html, "trialing"));
        Assert.Equal(2, BillingCycle.IntegrationTests.Console.ConsoleSession.Figure(html, "active"));
    }
}
