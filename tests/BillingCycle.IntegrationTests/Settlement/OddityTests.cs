using BillingCycle.TestSupport;
using System.Net;
using BillingCycle.IntegrationTests.Infrastructure;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;
using WireMock.Settings;

namespace BillingCycle.IntegrationTests.Settlement;

public sealed class OddityTests : IAsyncLifetime
{
    private readonly WireMockServer _monitor = WireMockServer.Start(new WireMockServerSettings { Urls = ["http://127.0.0.1:0"] });
    private BillingHarness _h = null!;

    public async Task InitializeAsync()
    {
        _monitor.Given(Request.Create().UsingPost()).RespondWith(Response.Create().WithStatusCode(200));
        _h = await BillingHarness.StartAsync(new() { ["MONITORING_WEBHOOK_URL"] = _monitor.Url + "/alerts" });
    }

    public async Task DisposeAsync()
    {
        await _h.DisposeAsync();
        _monitor.Stop();
    }

    private async Task<int> AlertsAsync(string titleFragment)
    {
        for (var i = 0; i < 50; i++)
        {
            var n = _monitor.LogEntries.Count(e => e.RequestMessage.Body?.Contains(titleFragment, StringComparison.Ordinal) == true);
            if (n > 0)
            {
                return n;
            }
            await Task.Delay(100); // alert delivery is asynchronous by design
        }
        return 0;
    }

    [Fact]
    public async Task A_payment_reported_after_cancellation_is_recorded_logged_and_alerted_and_grants_nothing()
    {
        var (sub, user) = await _h.DueSubscriptionAsync();
        await _h.RenewAsync();
        await _h.Db.ScalarAsync<bool>("SELECT cancel_subscription($1, 'Payment failed after 5 retry attempts')", sub);

        var res = await _h.DeliverAsync(_h.StandIn.Act(await _h.InvoiceReferenceAsync(sub), "pay"));

        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        Assert.Equal("invoice_already_cancelled", await _h.Db.ScalarAsync<string>("SELECT outcome FROM webhook_events"));
        Assert.Equal("paid|invoice_already_cancelled|cancelled|canceled", await _h.Db.ScalarAsync<string>("""
            SELECT p.status || '|' || p.oddity || '|' || i.status || '|' || s.status
              FROM payments p JOIN invoices i ON i.id = p.invoice_id JOIN subscriptions s ON s.id = i.subscription_id WHERE s.id = $1
            """, sub));
        Assert.Equal(1, await _h.Db.ScalarAsync<long>("SELECT count(*) FROM billing_logs WHERE status = 'error' AND event_type = 'payment_oddity'"));
        Assert.Equal(0, await _h.Db.ScalarAsync<long>("SELECT count(*) FROM credit_transactions WHERE user_id = $1", user));
        Assert.Equal(0, await _h.Db.ScalarAsync<long>("SELECT count(*) FROM notifications WHERE user_id = $1 AND type = 'billing_success'", user));
        Assert.Equal(1, await AlertsAsync("invoice_already_cancelled"));
    }

    [Fact]
    public async Task A_second_payment_for_a_paid_invoice_is_flagged_never_granted_twice()
    {
        var (sub, user) = await _h.DueSubscriptionAsync();
        await _h.RenewAsync();
        var first = await _h.InvoiceReferenceAsync(sub, 1);
        await _h.DeliverAsync(_h.StandIn.Act(first, "expire"));
        _h.Api.Clock.Advance(TimeSpan.FromDays(1));
        await _h.RetryAsync();
        await _h.DeliverAsync(_h.StandIn.Act(await _h.InvoiceReferenceAsync(sub, 2), "pay"));

        // The customer also pays the old link (iPaymu reports it paid): money in twice.
        var late = await _h.DeliverAsync(_h.StandIn.Act(first, "pay"));

        Assert.Equal(HttpStatusCode.OK, late.StatusCode);
        Assert.Equal(1, await _h.Db.ScalarAsync<long>("SELECT count(*) FROM payments WHERE status = 'paid' AND oddity IS NULL"));
        Assert.Equal("invoice_already_paid", await _h.Db.ScalarAsync<string>("SELECT oddity FROM payments WHERE reference_id = $1", first));
        Assert.Equal(2, await _h.Db.ScalarAsync<long>("SELECT count(*) FROM credit_transactions WHERE user_id = $1", user));
        Assert.Equal("active", await _h.Db.ScalarAsync<string>("SELECT status FROM subscriptions WHERE id = $1", sub));
        Assert.Equal(1, await AlertsAsync("invoice_already_paid"));
    }

    [Fact]
    public async Task A_run_with_errors_sends_one_alert_and_completes_even_when_the_receiver_is_down()
    {
        await _h.DueSubscriptionAsync();
        await _h.StandIn.SetFaultsAsync(new() { Mode = "http500" });
        await _h.RenewAsync();
        Assert.Equal(1, await AlertsAsync("Billing renewal run"));

        _monitor.Stop();
        await _h.DueSubscriptionAsync();
        var answer = await _h.RenewAsync();
        Assert.True(answer.GetProperty("processed").GetInt32() >= 1);
    }
}
