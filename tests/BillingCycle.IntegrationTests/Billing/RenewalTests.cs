using System.Net;
using System.Text.Json;
using BillingCycle.IntegrationTests.Infrastructure;
using BillingCycle.IPaymu.Signing;
using BillingCycle.IPaymu.StandIn;
using BillingCycle.TestSupport;

namespace BillingCycle.IntegrationTests.Billing;

public sealed class RenewalTests : IAsyncLifetime
{
    private BillingHarness _h = null!;

    public async Task InitializeAsync() => _h = await BillingHarness.StartAsync();

    public async Task DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task One_due_subscription_gets_one_invoice_one_attempt_one_signed_request_and_one_notification()
    {
        var (sub, user) = await _h.DueSubscriptionAsync(price: 149_000);

        var answer = await _h.RenewAsync();

        Assert.Equal(1, answer.GetProperty("processed").GetInt32());
        Assert.True(answer.GetProperty("summary").TryGetProperty("pending_payment", out _), answer.ToString());
        Assert.Equal(1, answer.GetProperty("summary").GetProperty("pending_payment").GetInt32());
        var row = answer.GetProperty("results")[0];
        Assert.Equal(sub, row.GetProperty("subscription_id").GetGuid());
        Assert.Equal(149_000, row.GetProperty("amount").GetInt64());
        Assert.Equal("Processed 1 subscription renewals", answer.GetProperty("message").GetString());

        Assert.Equal("2026-11-01 00:00:00|2026-12-01 00:00:00|149000|pending|IDR", await _h.Db.ScalarAsync<string>("""
            SELECT to_char(period_start AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') || '|' || to_char(period_end AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')
                   || '|' || amount || '|' || status || '|' || currency FROM invoices WHERE subscription_id = $1
            """, sub));
        Assert.Matches("^INV-202611-[0-9]{6}$", await _h.Db.ScalarAsync<string>("SELECT invoice_number FROM invoices WHERE subscription_id = $1", sub));
        Assert.Equal("subscription_renewal|Pro|monthly|149000", await _h.Db.ScalarAsync<string>(
            "SELECT concat_ws('|', line_items->>'type', line_items->>'plan_name', line_items->>'period', line_items->>'price') FROM invoices WHERE subscription_id = $1", sub));
        Assert.Equal(1, await _h.Db.ScalarAsync<long>("SELECT count(*) FROM payments"));
        Assert.Equal("active", await _h.Db.ScalarAsync<string>("SELECT status FROM subscriptions WHERE id = $1", sub));

        var request = Assert.Single(_h.StandIn.State.Requests, r => r.Path == "/api/v2/payment");
        using var body = JsonDocument.Parse(request.Body);
        var reference = await _h.InvoiceReferenceAsync(sub);
        Assert.Equal(reference, body.RootElement.GetProperty("referenceId").GetString());
        Assert.Equal("Putu Test", body.RootElement.GetProperty("buyerName").GetString());
        Assert.Equal($"{user}@example.com", body.RootElement.GetProperty("buyerEmail").GetString());
        Assert.Equal("08123456789", body.RootElement.GetProperty("buyerPhone").GetString());
        Assert.Equal("https://billing.test/api/billing/webhook", body.RootElement.GetProperty("notifyUrl").GetString());
        // Back to the web app with the invoice's id (never its pay page's token); cancelling goes back to the web app.
        var (invoiceId, token) = (await _h.Db.ScalarAsync<Guid>("SELECT id FROM invoices WHERE subscription_id = $1", sub),
            await _h.Db.ScalarAsync<string>("SELECT public_token FROM invoices WHERE subscription_id = $1", sub));
        Assert.Equal($"https://app.billing.test/billing?payment=success&invoice_id={invoiceId}", body.RootElement.GetProperty("returnUrl").GetString());
        Assert.DoesNotContain(token, request.Body, StringComparison.Ordinal);
        Assert.Equal("https://app.billing.test/billing?payment=cancelled", body.RootElement.GetProperty("cancelUrl").GetString());
        Assert.Equal(24, body.RootElement.GetProperty("expired").GetInt32());
        Assert.Equal(149_000, body.RootElement.GetProperty("price")[0].GetInt64());

        var session = _h.StandIn.ByReference(reference)!;
        Assert.Equal(session.SessionId, await _h.Db.ScalarAsync<string>("SELECT session_id FROM payments"));
        Assert.Equal(BillingHarness.Start.AddHours(24), await _h.Db.ScalarAsync<DateTime>("SELECT expires_at FROM payments"));

        Assert.Equal(1, await _h.Db.ScalarAsync<long>("SELECT count(*) FROM notifications WHERE user_id = $1", user));
        Assert.Equal($"billing_payment_due|{session.SessionId}", await _h.Db.ScalarAsync<string>(
            "SELECT type || '|' || split_part(data->>'payment_url', '/pay/', 2) FROM notifications WHERE user_id = $1", user));
        Assert.Contains("Rp149.000", await _h.Db.ScalarAsync<string>("SELECT message FROM notifications WHERE user_id = $1", user), StringComparison.Ordinal);

        var again = await _h.RenewAsync();
        Assert.Equal(0, again.GetProperty("processed").GetInt32());
        Assert.Equal(1, await _h.Db.ScalarAsync<long>("SELECT count(*) FROM invoices"));
        Assert.Equal(1, _h.StandIn.RequestCount("/api/v2/payment"));
    }

    [Fact]
    public async Task Subscriptions_not_yet_due_canceled_or_already_invoiced_are_untouched()
    {
        var (notDue, _) = await _h.DueSubscriptionAsync(periodEnd: new DateTimeOffset(2026, 11, 2, 0, 0, 0, TimeSpan.Zero));
        var (canceled, _) = await _h.DueSubscriptionAsync();
        await _h.Db.ExecAsync("UPDATE subscriptions SET status = 'canceled' WHERE id = $1", canceled);
        var (invoiced, user) = await _h.DueSubscriptionAsync();
        await _h.Db.ExecAsync("""
            INSERT INTO invoices (invoice_number, user_id, subscription_id, period_start, period_end, amount)
            SELECT 'INV-MANUAL', user_id, id, current_period_end, current_period_end + interval '1 month', 1000 FROM subscriptions WHERE id = $1
            """, invoiced);

        var answer = await _h.RenewAsync();

        Assert.Equal(0, answer.GetProperty("processed").GetInt32());
        Assert.Equal(1, await _h.Db.ScalarAsync<long>("SELECT count(*) FROM invoices"));
        Assert.Equal(0, await _h.Db.ScalarAsync<long>("SELECT count(*) FROM payments"));
        Assert.Equal(0, _h.StandIn.RequestCount("/api/v2/payment"));
        Assert.Equal(0, await _h.Db.ScalarAsync<long>("SELECT count(*) FROM notifications WHERE user_id = $1", user));
        Assert.Equal("active", await _h.Db.ScalarAsync<string>("SELECT status FROM subscriptions WHERE id = $1", notDue));
    }

    [Fact]
    public async Task Cancel_at_period_end_cancels_instead_of_billing()
    {
        var (sub, user) = await _h.DueSubscriptionAsync(cancelAtPeriodEnd: true);
        var answer = await _h.RenewAsync();
        Assert.Equal(1, answer.GetProperty("summary").GetProperty("canceled").GetInt32());
        Assert.Equal("canceled", await _h.Db.ScalarAsync<string>("SELECT status FROM subscriptions WHERE id = $1", sub));
        Assert.Equal(0, await _h.Db.ScalarAsync<long>("SELECT count(*) FROM invoices"));
        Assert.Equal("subscription_cancelled", await _h.Db.ScalarAsync<string>("SELECT type FROM notifications WHERE user_id = $1", user));
        Assert.Equal(0, _h.StandIn.RequestCount("/api/v2/payment"));
    }

    [Fact]
    public async Task Without_the_cron_secret_renew_is_401_and_does_nothing()
    {
        await _h.DueSubscriptionAsync();
        foreach (var bearer in new string?[] { null, "wrong", ApiFactory.CronSecret[..^1], ApiFactory.CronSecret + "x" })
        {
            var res = await _h.Api.ClientFor(bearer).PostAsync("/api/billing/renew", null);
            Assert.Equal(HttpStatusCode.Unauthorized, res.StatusCode);
        }
        Assert.Equal(0, await _h.Db.ScalarAsync<long>("SELECT count(*) FROM invoices"));
    }

    [Fact]
    public async Task A_gateway_refusal_fails_the_attempt_and_starts_dunning()
    {
        // iPaymu refuses the link (as it does a total under its minimum, which the service itself now
        // settles without a link: contract §11.3).
        var (sub, user) = await _h.DueSubscriptionAsync();
        await _h.StandIn.SetFaultsAsync(new StandInFaults { Mode = "rejected", PathPrefix = "/api/v2/payment" });
        var answer = await _h.RenewAsync();
        Assert.Equal(1, answer.GetProperty("summary").GetProperty("failed").GetInt32());
        Assert.Contains("min Rp 5000", answer.GetProperty("results")[0].GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal("past_due|failed|failed|pending", await _h.Db.ScalarAsync<string>("""
            SELECT s.status || '|' || i.status || '|' || p.status || '|' || r.status
              FROM subscriptions s JOIN invoices i ON i.subscription_id = s.id JOIN payments p ON p.invoice_id = i.id
              JOIN payment_retries r ON r.invoice_id = i.id WHERE s.id = $1
            """, sub));
        Assert.Equal(BillingHarness.Start.AddDays(1), await _h.Db.ScalarAsync<DateTime>("SELECT retry_date FROM payment_retries"));
        Assert.Equal("billing_failed", await _h.Db.ScalarAsync<string>("SELECT type FROM notifications WHERE user_id = $1", user));
    }
}
