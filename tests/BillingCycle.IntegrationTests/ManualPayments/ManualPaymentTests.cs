using System.Net;
using BillingCycle.IntegrationTests.Refunds;
using BillingCycle.IntegrationTests.Subscriptions;

namespace BillingCycle.IntegrationTests.ManualPayments;

/// <summary>Contract §13.1: a payment received outside iPaymu is settled by the one settlement path.</summary>
public sealed class ManualPaymentTests : IAsyncLifetime
{
    private MoneyWorld _m = null!;

    public async Task InitializeAsync() => _m = await MoneyWorld.StartAsync();

    public async Task DisposeAsync() => await _m.DisposeAsync();

    private object Transfer(long amount = 149_000, string? paidAt = null, string note = "BCA transfer seen on the statement") =>
        new { method = "bank_transfer", reference = "BCA-20261101-778", amount, paid_at = paidAt, note };

    [Fact]
    public async Task A_bank_transfer_settles_the_invoice_as_iPaymu_would_and_a_later_iPaymu_payment_is_the_second_payment_oddity()
    {
        var invoice = await _m.InvoiceAsync("u_bank", pay: false);
        var db = _m.W.H.Db;
        _m.W.H.Api.Clock.Advance(TimeSpan.FromHours(2));

        var res = await _m.RecordAsync(invoice, Transfer(paidAt: "2026-11-01T10:30:00+07:00"));

        Assert.Equal(HttpStatusCode.Created, res.StatusCode);
        var body = await LifecycleWorld.JsonAsync(res);
        Assert.Equal("manual", body.GetProperty("provider").GetString());
        // The invoice is paid at the transfer's time; the subscription is active; credits granted once.
        Assert.Equal("paid|2026-11-01 03:30:00+00", await db.ScalarAsync<string>(
            "SELECT status || '|' || to_char(paid_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') || '+00' FROM invoices WHERE id = $1", invoice));
        Assert.Equal("active", await _m.W.StatusAsync("u_bank"));
        Assert.Equal(1_000, await _m.W.BalanceAsync("u_bank", "interaction"));
        Assert.Equal(500, await _m.W.BalanceAsync("u_bank", "scraper"));
        // The open iPaymu attempt closed; the manual row paid with what the operator recorded.
        Assert.Equal("1:ipaymu:expired|2:manual:paid:BCA-20261101-778", await db.ScalarAsync<string>("""
            SELECT string_agg(attempt_number || ':' || provider || ':' || status
                              || coalesce(':' || (manual_details->>'reference'), ''), '|' ORDER BY attempt_number)
              FROM payments WHERE invoice_id = $1
            """, invoice));
        // Everything a payment brings, once: notification (its email queued), event, logs.
        Assert.Equal(1, await db.ScalarAsync<long>("SELECT count(*) FROM notifications WHERE user_id = 'u_bank' AND type = 'subscription_activated'"));
        Assert.Equal(1, await db.ScalarAsync<long>("SELECT count(*) FROM events WHERE type = 'invoice.paid' AND data->'object'->>'id' = $1", invoice.ToString()));
        Assert.Equal(1, await db.ScalarAsync<long>("SELECT count(*) FROM billing_logs WHERE user_id = 'u_bank' AND event_type = 'checkout' AND status = 'success'"));
        Assert.Equal("op_1|record_payment|BCA transfer seen on the statement", await db.ScalarAsync<string>("""
            SELECT details->>'operator_id' || '|' || (details->>'action') || '|' || (details->>'reason')
              FROM billing_logs WHERE user_id = 'u_bank' AND event_type = 'operator_action'
            """));

        // The customer pays the old iPaymu link anyway: kept, flagged second_payment, nothing granted.
        var reference = await db.ScalarAsync<string>("SELECT reference_id FROM payments WHERE invoice_id = $1 AND attempt_number = 1", invoice);
        var callback = await _m.W.H.DeliverAsync(_m.W.H.StandIn.Act(reference, "pay"));
        Assert.Equal(HttpStatusCode.OK, callback.StatusCode);
        Assert.Equal(1, await db.ScalarAsync<long>(
            "SELECT count(*) FROM billing_logs WHERE event_type = 'payment_oddity' AND details->>'kind' = 'second_payment' AND details->>'invoice_id' = $1",
            invoice.ToString()));
        Assert.Equal("invoice_already_paid", await db.ScalarAsync<string>("SELECT oddity FROM payments WHERE invoice_id = $1 AND attempt_number = 1", invoice));
        Assert.Equal(2, await db.ScalarAsync<long>("SELECT count(*) FROM credit_transactions WHERE reference_id = $1", invoice.ToString()));
        Assert.Equal(500, await _m.W.BalanceAsync("u_bank", "scraper"));
    }

    [Fact]
    public async Task Each_mistake_is_a_4xx_with_its_code_and_changes_nothing()
    {
        var invoice = await _m.InvoiceAsync("u_bad", pay: false);
        var db = _m.W.H.Db;
        _m.W.H.Api.Clock.Advance(TimeSpan.FromHours(1));

        async Task Refused(HttpStatusCode status, string code, object body, HttpClient? client = null)
        {
            var res = await _m.RecordAsync(invoice, body, client);
            Assert.Equal(status, res.StatusCode);
            Assert.Equal(code, await MoneyWorld.CodeAsync(res));
        }

        await Refused((HttpStatusCode)409, "AMOUNT_MISMATCH", Transfer(amount: 100_000));
        await Refused(HttpStatusCode.BadRequest, "PAID_AT_IN_FUTURE", Transfer(paidAt: "2026-11-02T00:00:00Z"));
        await Refused(HttpStatusCode.BadRequest, "PAID_AT_BEFORE_INVOICE", Transfer(paidAt: "2026-10-31T00:00:00Z"));
        await Refused(HttpStatusCode.BadRequest, "INVALID_PAID_AT", Transfer(paidAt: "yesterday"));
        await Refused(HttpStatusCode.BadRequest, "INVALID_PAID_AT", Transfer(paidAt: "2026-11-01T03:00:00"));
        await Refused(HttpStatusCode.BadRequest, "INVALID_REASON", Transfer(note: new string('x', 10_000)));
        await Refused(HttpStatusCode.BadRequest, "INVALID_AMOUNT", Transfer(amount: 0));
        await Refused(HttpStatusCode.BadRequest, "INVALID_AMOUNT", Transfer(amount: -149_000));
        await Refused(HttpStatusCode.BadRequest, "INVALID_METHOD", new { method = "crypto", reference = "x", amount = 149_000, note = "n" });
        await Refused(HttpStatusCode.BadRequest, "INVALID_REFERENCE", new { method = "cash", amount = 149_000, note = "n" });
        await Refused(HttpStatusCode.Forbidden, "FORBIDDEN", Transfer(), _m.W.As("u_bad"));
        var anonymous = await _m.W.H.Api.CreateClient().PostAsync($"/api/admin/invoices/{invoice}/payments", null);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        var unknown = await _m.RecordAsync(Guid.NewGuid(), Transfer());
        Assert.Equal("INVOICE_NOT_FOUND", await MoneyWorld.CodeAsync(unknown));

        Assert.Equal("pending|1", await db.ScalarAsync<string>(
            "SELECT i.status || '|' || (SELECT count(*) FROM payments p WHERE p.invoice_id = i.id) FROM invoices i WHERE i.id = $1", invoice));
        Assert.Equal(0, await db.ScalarAsync<long>("SELECT count(*) FROM billing_logs WHERE event_type = 'operator_action'"));

        // Paid once; recorded again it is not open.
        Assert.Equal(HttpStatusCode.Created, (await _m.RecordAsync(invoice, Transfer())).StatusCode);
        await Refused((HttpStatusCode)409, "INVOICE_NOT_OPEN", Transfer());
        Assert.Equal(1, await db.ScalarAsync<long>("SELECT count(*) FROM payments WHERE invoice_id = $1 AND provider = 'manual'", invoice));
    }

    [Fact]
    public async Task Two_operators_recording_the_same_transfer_at_once_settle_it_once()
    {
        var invoice = await _m.InvoiceAsync("u_race", pay: false);
        var db = _m.W.H.Db;

        var answers = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => _m.RecordAsync(invoice, Transfer(), _m.Operator($"op_{i}"))));

        Assert.Equal(1, answers.Count(a => a.StatusCode == HttpStatusCode.Created));
        Assert.All(answers.Where(a => a.StatusCode != HttpStatusCode.Created), a => Assert.Equal((HttpStatusCode)409, a.StatusCode));
        Assert.Equal(1, await db.ScalarAsync<long>("SELECT count(*) FROM payments WHERE invoice_id = $1 AND status = 'paid'", invoice));
        Assert.Equal(2, await db.ScalarAsync<long>("SELECT count(*) FROM credit_transactions WHERE reference_id = $1", invoice.ToString()));
        Assert.Equal(1, await db.ScalarAsync<long>("SELECT count(*) FROM notifications WHERE user_id = 'u_race' AND type = 'subscription_activated'"));
        Assert.Equal(1, await db.ScalarAsync<long>("SELECT count(*) FROM billing_logs WHERE event_type = 'operator_action'"));
    }

    [Fact]
    public async Task A_past_due_invoice_paid_by_transfer_closes_its_retries_as_a_successful_retry()
    {
        await _m.W.CheckoutAsync("u_pd", _m.W.Pro);
        await _m.W.PayLatestAsync("u_pd");
        _m.W.H.Api.Clock.Advance(TimeSpan.FromDays(30));
        await _m.W.H.RenewAsync();
        await _m.W.PayLatestAsync("u_pd", "expire");
        Assert.Equal("past_due", await _m.W.StatusAsync("u_pd"));
        var invoice = await _m.W.H.Db.ScalarAsync<Guid>("SELECT id FROM invoices WHERE user_id = 'u_pd' AND kind = 'renewal'");

        var res = await _m.RecordAsync(invoice, new { method = "cash", reference = "kasir-12", amount = 149_000, note = "paid at the office" });

        Assert.Equal(HttpStatusCode.Created, res.StatusCode);
        Assert.Equal("active", await _m.W.StatusAsync("u_pd"));
        Assert.Equal(0, await _m.W.H.Db.ScalarAsync<long>(
            "SELECT count(*) FROM payment_retries WHERE invoice_id = $1 AND status IN ('pending', 'in_progress')", invoice));
        Assert.Equal(1, await _m.W.H.Db.ScalarAsync<long>(
            "SELECT count(*) FROM notifications WHERE user_id = 'u_pd' AND type = 'billing_success'"));
    }
}
