using System.Net;

namespace BillingCycle.IntegrationTests.Subscriptions;

/// <summary>contract §7.6: pay now returns the live link, or a new attempt; once a minute; never for another user.</summary>
public sealed class PayNowTests : IAsyncLifetime
{
    private LifecycleWorld _w = null!;

    public async Task InitializeAsync() => _w = await LifecycleWorld.StartAsync();

    public async Task DisposeAsync() => await _w.DisposeAsync();

    private Task<Guid> InvoiceAsync(string user) =>
        _w.H.Db.ScalarAsync<Guid>("SELECT id FROM invoices WHERE user_id = $1 ORDER BY created_at DESC LIMIT 1", user);

    [Fact]
    public async Task A_live_link_is_returned_an_expired_one_replaced_and_a_burst_refused_with_429()
    {
        await _w.CheckoutAsync("u_pay", _w.Starter);
        var invoice = await InvoiceAsync("u_pay");
        var c = _w.As("u_pay");

        var live = await LifecycleWorld.JsonAsync(await c.PostAsync($"/api/invoices/{invoice}/pay", null));
        Assert.Equal(1, live.GetProperty("attempt_number").GetInt32());

        _w.H.Api.Clock.Advance(TimeSpan.FromHours(30)); // the first link has expired
        var fresh = await LifecycleWorld.JsonAsync(await c.PostAsync($"/api/invoices/{invoice}/pay", null));
        Assert.Equal(2, fresh.GetProperty("attempt_number").GetInt32());
        Assert.NotEqual(live.GetProperty("payment_url").GetString(), fresh.GetProperty("payment_url").GetString());
        Assert.Equal("expired|pending", await _w.H.Db.ScalarAsync<string>(
            "SELECT string_agg(status, '|' ORDER BY attempt_number) FROM payments WHERE invoice_id = $1", invoice));

        // The live link is returned, not remade, however often the customer asks.
        var again = await LifecycleWorld.JsonAsync(await c.PostAsync($"/api/invoices/{invoice}/pay", null));
        Assert.Equal(2, again.GetProperty("attempt_number").GetInt32());
        // That link fails at once (a channel refused it); a new one may be made, but not twice a minute.
        Assert.Equal(HttpStatusCode.OK, (await _w.PayLatestAsync("u_pay", "fail")).StatusCode);
        var tooSoon = await c.PostAsync($"/api/invoices/{invoice}/pay", null);
        Assert.Equal((HttpStatusCode)429, tooSoon.StatusCode);
        Assert.Equal("TOO_MANY_ATTEMPTS", (await LifecycleWorld.JsonAsync(tooSoon)).GetProperty("code").GetString());
        _w.H.Api.Clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(3, (await LifecycleWorld.JsonAsync(await c.PostAsync($"/api/invoices/{invoice}/pay", null))).GetProperty("attempt_number").GetInt32());
    }

    [Fact]
    public async Task Paying_a_past_due_invoice_through_pay_now_is_a_successful_retry_that_closes_the_retries()
    {
        await _w.CheckoutAsync("u_pd", _w.Pro);
        await _w.PayLatestAsync("u_pd");
        _w.H.Api.Clock.Advance(TimeSpan.FromDays(30));
        await _w.H.RenewAsync();
        await _w.PayLatestAsync("u_pd", "expire");
        Assert.Equal("past_due", await _w.StatusAsync("u_pd"));
        var invoice = await InvoiceAsync("u_pd");
        _w.H.Api.Clock.Advance(TimeSpan.FromMinutes(5));

        var res = await _w.As("u_pd").PostAsync($"/api/invoices/{invoice}/pay", null);
        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _w.PayLatestAsync("u_pd")).StatusCode);

        Assert.Equal("active", await _w.StatusAsync("u_pd"));
        Assert.Equal("paid", await _w.H.Db.ScalarAsync<string>("SELECT status FROM invoices WHERE id = $1", invoice));
        Assert.Equal(0, await _w.H.Db.ScalarAsync<long>(
            "SELECT count(*) FROM payment_retries WHERE invoice_id = $1 AND status IN ('pending', 'in_progress')", invoice));
        Assert.Equal(1, await _w.H.Db.ScalarAsync<long>(
            "SELECT count(*) FROM credit_transactions WHERE reference_id = $1 AND credit_type = 'interaction'", invoice.ToString()));
        // The retry the schedule had for tomorrow finds nothing to do.
        _w.H.Api.Clock.Advance(TimeSpan.FromDays(2));
        Assert.Equal(0, (await _w.H.RetryAsync()).GetProperty("processed").GetInt32());
    }

    [Fact]
    public async Task Another_users_invoice_is_404_and_a_paid_one_is_not_open()
    {
        await _w.CheckoutAsync("u_owner", _w.Starter);
        var invoice = await InvoiceAsync("u_owner");

        var foreign = await _w.As("u_other").PostAsync($"/api/invoices/{invoice}/pay", null);
        var read = await _w.As("u_other").GetAsync($"/api/invoices/{invoice}");
        Assert.Equal("INVOICE_NOT_FOUND", (await LifecycleWorld.JsonAsync(foreign)).GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _w.As("u_other").GetAsync("/api/invoices/not-a-uuid")).StatusCode);

        await _w.PayLatestAsync("u_owner");
        var paid = await _w.As("u_owner").PostAsync($"/api/invoices/{invoice}/pay", null);
        Assert.Equal("INVOICE_NOT_OPEN", (await LifecycleWorld.JsonAsync(paid)).GetProperty("code").GetString());
        var list = await LifecycleWorld.JsonAsync(await _w.As("u_owner").GetAsync("/api/invoices?limit=10"));
        Assert.Equal("paid", list.GetProperty("invoices")[0].GetProperty("status").GetString());
    }

    [Fact]
    public async Task With_iPaymu_down_pay_now_answers_503_and_changes_nothing_the_customer_sees()
    {
        await _w.CheckoutAsync("u_down", _w.Starter);
        var invoice = await InvoiceAsync("u_down");
        _w.H.Api.Clock.Advance(TimeSpan.FromHours(30));
        await _w.H.StandIn.SetFaultsAsync(new IPaymu.StandIn.StandInFaults { Mode = "http500", PathPrefix = "/api/v2/payment" });

        var res = await _w.As("u_down").PostAsync($"/api/invoices/{invoice}/pay", null);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, res.StatusCode);
        Assert.Equal("GATEWAY_UNAVAILABLE", (await LifecycleWorld.JsonAsync(res)).GetProperty("code").GetString());
        Assert.Equal("pending", await _w.H.Db.ScalarAsync<string>("SELECT status FROM invoices WHERE id = $1", invoice));
    }
}
