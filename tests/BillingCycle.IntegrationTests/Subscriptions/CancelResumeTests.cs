using System.Net;
using System.Net.Http.Json;

namespace BillingCycle.IntegrationTests.Subscriptions;

/// <summary>contract §7.4: cancel at period end or now, resume, and the codes around them.</summary>
public sealed class CancelResumeTests : IAsyncLifetime
{
    private LifecycleWorld _w = null!;

    public async Task InitializeAsync() => _w = await LifecycleWorld.StartAsync();

    public async Task DisposeAsync() => await _w.DisposeAsync();

    [Fact]
    public async Task Cancel_at_period_end_then_resume_then_the_renewal_bills_as_usual()
    {
        await _w.CheckoutAsync("u_c", _w.Starter);
        await _w.PayLatestAsync("u_c");
        var c = _w.As("u_c");

        var cancel = await LifecycleWorld.JsonAsync(await c.PostAsync("/api/subscriptions/current/cancel", null));
        Assert.True(cancel.GetProperty("subscription").GetProperty("cancel_at_period_end").GetBoolean());
        var resumed = await c.PostAsync("/api/subscriptions/current/resume", null);
        Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
        var again = await c.PostAsync("/api/subscriptions/current/resume", null);

        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal("NOT_SCHEDULED_TO_CANCEL", (await LifecycleWorld.JsonAsync(again)).GetProperty("code").GetString());
        Assert.Equal("subscription_cancel_scheduled,subscription_resumed", await _w.H.Db.ScalarAsync<string>(
            "SELECT string_agg(type, ',' ORDER BY created_at, type) FROM notifications WHERE user_id = 'u_c' AND type LIKE 'subscription_%' AND type <> 'subscription_activated'"));
        _w.H.Api.Clock.Advance(TimeSpan.FromDays(30));
        Assert.Equal(1, (await _w.H.RenewAsync()).GetProperty("summary").GetProperty("pending_payment").GetInt32());
    }

    [Fact]
    public async Task Cancel_at_period_end_is_carried_out_by_the_renewal()
    {
        await _w.CheckoutAsync("u_end", _w.Starter);
        await _w.PayLatestAsync("u_end");
        await _w.As("u_end").PostAsJsonAsync("/api/subscriptions/current/cancel", new { at_period_end = true });
        _w.H.Api.Clock.Advance(TimeSpan.FromDays(30));

        Assert.Equal(1, (await _w.H.RenewAsync()).GetProperty("summary").GetProperty("canceled").GetInt32());
        Assert.Equal("canceled", await _w.StatusAsync("u_end"));
    }

    [Fact]
    public async Task Cancel_now_closes_open_invoices_attempts_and_retries_and_keeps_the_credits()
    {
        await _w.CheckoutAsync("u_now", _w.Pro);
        await _w.PayLatestAsync("u_now");
        _w.H.Api.Clock.Advance(TimeSpan.FromDays(30));
        await _w.H.RenewAsync();
        await _w.PayLatestAsync("u_now", "expire"); // past due, retry 1 scheduled

        var res = await _w.As("u_now").PostAsJsonAsync("/api/subscriptions/current/cancel", new { at_period_end = false });

        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        Assert.Equal("canceled|Canceled by customer", await _w.H.Db.ScalarAsync<string>(
            "SELECT status || '|' || cancel_reason FROM subscriptions WHERE user_id = 'u_now'"));
        Assert.Equal(0, await _w.H.Db.ScalarAsync<long>(
            "SELECT count(*) FROM invoices WHERE user_id = 'u_now' AND status IN ('pending', 'failed')"));
        Assert.Equal(0, await _w.H.Db.ScalarAsync<long>("SELECT count(*) FROM payment_retries WHERE status IN ('pending', 'in_progress')"));
        Assert.Equal(1_000, await _w.BalanceAsync("u_now", "interaction"));
        var resume = await _w.As("u_now").PostAsync("/api/subscriptions/current/resume", null);
        Assert.Equal("SUBSCRIPTION_NOT_ACTIVE", (await LifecycleWorld.JsonAsync(resume)).GetProperty("code").GetString());
        var cancelAgain = await _w.As("u_now").PostAsync("/api/subscriptions/current/cancel", null);
        Assert.Equal(HttpStatusCode.Conflict, cancelAgain.StatusCode);
    }
}
