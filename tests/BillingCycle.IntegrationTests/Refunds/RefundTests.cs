using System.Net;
using System.Net.Http.Json;
using BillingCycle.IntegrationTests.Subscriptions;

namespace BillingCycle.IntegrationTests.Refunds;

/// <summary>Contract §13.2: refunds record credit notes; their sum never passes the invoice's amount.</summary>
public sealed class RefundTests : IAsyncLifetime
{
    private MoneyWorld _m = null!;

    // PPN 11% included in the price: Pro's 149,000 holds 14,766 of tax.
    public async Task InitializeAsync() => _m = await MoneyWorld.StartAsync(new() { ["BILLING_TAX_PERCENT"] = "11" });

    public async Task DisposeAsync() => await _m.DisposeAsync();

    [Fact]
    public async Task Ten_concurrent_refunds_of_30_percent_each_three_succeed_and_the_rest_exceed_what_was_paid()
    {
        var invoice = await _m.InvoiceAsync("u_ten");
        var db = _m.W.H.Db;

        var answers = await Task.WhenAll(Enumerable.Range(0, 10).Select(i =>
            _m.RefundAsync(invoice, new { amount = 44_700, reason = $"goodwill {i}" }, key: $"ten-{i}", client: _m.Operator($"op_{i}"))));

        Assert.Equal(3, answers.Count(a => a.StatusCode == HttpStatusCode.Created));
        foreach (var refused in answers.Where(a => a.StatusCode != HttpStatusCode.Created))
        {
            Assert.Equal((HttpStatusCode)409, refused.StatusCode);
            Assert.Equal("REFUND_EXCEEDS_PAID", await MoneyWorld.CodeAsync(refused));
        }
        // Held by the database: Σ credit notes = refunded_amount = 90% of the amount, never more.
        Assert.Equal("3|134100|134100|paid", await db.ScalarAsync<string>("""
            SELECT count(c.id) || '|' || sum(c.amount) || '|' || i.refunded_amount || '|' || i.status
              FROM invoices i JOIN credit_notes c ON c.invoice_id = i.id WHERE i.id = $1
             GROUP BY i.id
            """, invoice));
        Assert.Equal(3, await db.ScalarAsync<long>("SELECT count(*) FROM events WHERE type = 'invoice.refunded'"));
        Assert.Equal(3, await db.ScalarAsync<long>("SELECT count(DISTINCT credit_note_number) FROM credit_notes"));
    }

    [Fact]
    public async Task A_partial_then_a_full_refund_take_back_the_credits_in_proportion_never_below_zero_and_cancel()
    {
        var invoice = await _m.InvoiceAsync("u_full");
        var db = _m.W.H.Db;
        // The customer spent most interaction credits already.
        await db.ExecAsync("SELECT apply_credit_change_ex('u_full', 'interaction', 'consume', 900, 'job-1', 'used', $1)", _m.W.H.Api.Clock.GetUtcNow());

        var first = await _m.RefundAsync(invoice, new { amount = 50_000, reason = "two weeks unused", revoke_credits = true });

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var note = (await LifecycleWorld.JsonAsync(first)).GetProperty("credit_note");
        Assert.Matches(@"^CN-202611-\d{6}$", note.GetProperty("credit_note_number").GetString());
        // Tax in proportion, half up: 14,766 × 50,000 ÷ 149,000 = 4,955.03 → 4,955.
        Assert.Equal(4_955, note.GetProperty("tax_amount").GetInt64());
        // Interaction: 336 of the 1,000 granted (1,000 × 50/149 = 335.6), but only 100 were left;
        // scraper: 168 of the 500.
        Assert.Equal(0, await _m.W.BalanceAsync("u_full", "interaction"));
        Assert.Equal(332, await _m.W.BalanceAsync("u_full", "scraper"));
        Assert.Equal("interaction:-100|scraper:-168", await db.ScalarAsync<string>(
            "SELECT string_agg(credit_type || ':' || amount, '|' ORDER BY credit_type) FROM credit_transactions WHERE kind = 'revoke'"));
        Assert.Equal("paid|50000", await db.ScalarAsync<string>("SELECT status || '|' || refunded_amount FROM invoices WHERE id = $1", invoice));

        var rest = await _m.RefundAsync(invoice, new { amount = 99_000, reason = "cancelled contract", revoke_credits = true, cancel_subscription = true });

        Assert.Equal(HttpStatusCode.Created, rest.StatusCode);
        Assert.Equal(9_811, (await LifecycleWorld.JsonAsync(rest)).GetProperty("credit_note").GetProperty("tax_amount").GetInt64());
        Assert.Equal("refunded|149000", await db.ScalarAsync<string>("SELECT status || '|' || refunded_amount FROM invoices WHERE id = $1", invoice));
        // Revocations add up to what was granted (500 scraper = 168 + 332) and no balance went below zero.
        Assert.Equal(0, await _m.W.BalanceAsync("u_full", "scraper"));
        Assert.Equal(0, await db.ScalarAsync<long>("SELECT count(*) FROM credit_balances WHERE balance < 0"));
        Assert.Equal("canceled|Refunded", await db.ScalarAsync<string>(
            "SELECT status || '|' || cancel_reason FROM subscriptions WHERE user_id = 'u_full'"));
        Assert.Equal(2, await db.ScalarAsync<long>("SELECT count(*) FROM notifications WHERE user_id = 'u_full' AND type = 'invoice_refunded'"));
        Assert.Equal(2, await db.ScalarAsync<long>("SELECT count(*) FROM events WHERE type = 'invoice.refunded'"));
        Assert.True(await db.ScalarAsync<long>("SELECT count(*) FROM events WHERE type = 'credits.revoked'") >= 3);
        Assert.Equal(2, await db.ScalarAsync<long>(
            "SELECT count(*) FROM billing_logs WHERE event_type = 'operator_action' AND details->>'action' = 'refund' AND details->>'operator_id' = 'op_1'"));

        var again = await _m.RefundAsync(invoice, new { amount = 1, reason = "once more" });
        Assert.Equal("INVOICE_ALREADY_REFUNDED", await MoneyWorld.CodeAsync(again));
    }

    [Fact]
    public async Task A_repeat_with_its_Idempotency_Key_answers_the_first_refund_and_records_nothing_more()
    {
        var invoice = await _m.InvoiceAsync("u_idem");
        var body = new { amount = 10_000, reason = "late delivery" };

        var first = await _m.RefundAsync(invoice, body, key: "refund-1");
        var repeat = await _m.RefundAsync(invoice, body, key: "refund-1");
        var reused = await _m.RefundAsync(invoice, new { amount = 20_000, reason = "late delivery" }, key: "refund-1");

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, repeat.StatusCode);
        Assert.Equal((await LifecycleWorld.JsonAsync(first)).GetProperty("credit_note").GetProperty("id").GetString(),
            (await LifecycleWorld.JsonAsync(repeat)).GetProperty("credit_note").GetProperty("id").GetString());
        Assert.Equal("IDEMPOTENCY_KEY_REUSED", await MoneyWorld.CodeAsync(reused));
        Assert.Equal("1|10000", await _m.W.H.Db.ScalarAsync<string>(
            "SELECT count(*) || '|' || sum(amount) FROM credit_notes WHERE invoice_id = $1", invoice));
    }

    [Fact]
    public async Task Each_mistake_is_a_4xx_with_its_code_and_changes_nothing()
    {
        var paid = await _m.InvoiceAsync("u_refuse");
        var unpaid = await _m.InvoiceAsync("u_unpaid", pay: false);
        await _m.W.As("u_cancel").PostAsJsonAsync("/api/subscriptions", new { plan_id = _m.W.Pro });
        await _m.W.As("u_cancel").PostAsJsonAsync("/api/subscriptions/current/cancel", new { at_period_end = false });
        var cancelled = await _m.W.H.Db.ScalarAsync<Guid>("SELECT id FROM invoices WHERE user_id = 'u_cancel'");
        Assert.Equal("cancelled", await _m.W.H.Db.ScalarAsync<string>("SELECT status FROM invoices WHERE id = $1", cancelled));

        async Task Refused(Guid invoice, HttpStatusCode status, string code, object body, HttpClient? client = null)
        {
            var res = await _m.RefundAsync(invoice, body, client: client);
            Assert.Equal(status, res.StatusCode);
            Assert.Equal(code, await MoneyWorld.CodeAsync(res));
        }

        await Refused(paid, HttpStatusCode.BadRequest, "INVALID_AMOUNT", new { amount = 0, reason = "r" });
        await Refused(paid, HttpStatusCode.BadRequest, "INVALID_AMOUNT", new { amount = -5_000, reason = "r" });
        await Refused(paid, HttpStatusCode.BadRequest, "INVALID_AMOUNT", new { amount = 1.5, reason = "r" });
        await Refused(paid, HttpStatusCode.BadRequest, "INVALID_AMOUNT", new { amount = "5000", reason = "r" });
        await Refused(paid, HttpStatusCode.BadRequest, "INVALID_REASON", new { amount = 5_000 });
        await Refused(paid, HttpStatusCode.BadRequest, "INVALID_REASON", new { amount = 5_000, reason = new string('r', 10_000) });
        await Refused(paid, HttpStatusCode.BadRequest, "INVALID_REQUEST", new { amount = 5_000, reason = "r", revoke_credits = "yes" });
        await Refused(paid, (HttpStatusCode)409, "REFUND_EXCEEDS_PAID", new { amount = 149_001, reason = "r" });
        await Refused(unpaid, (HttpStatusCode)409, "INVOICE_NOT_PAID", new { amount = 5_000, reason = "r" });
        await Refused(cancelled, (HttpStatusCode)409, "INVOICE_NOT_PAID", new { amount = 5_000, reason = "r" });
        await Refused(Guid.NewGuid(), HttpStatusCode.NotFound, "INVOICE_NOT_FOUND", new { amount = 5_000, reason = "r" });
        await Refused(paid, HttpStatusCode.Forbidden, "FORBIDDEN", new { amount = 5_000, reason = "r" }, _m.W.As("u_refuse"));
        var malformed = await _m.Operator().PostAsync($"/api/admin/invoices/{paid}/refunds",
            new StringContent("{\"amount\": ", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal("INVALID_JSON", await MoneyWorld.CodeAsync(malformed));

        Assert.Equal(0, await _m.W.H.Db.ScalarAsync<long>("SELECT count(*) FROM credit_notes"));
        Assert.Equal(0, await _m.W.H.Db.ScalarAsync<long>("SELECT coalesce(sum(refunded_amount), 0) FROM invoices"));
        Assert.Equal(0, await _m.W.H.Db.ScalarAsync<long>("SELECT count(*) FROM billing_logs WHERE event_type = 'operator_action'"));
        // What remains can still be refunded, to the rupiah.
        Assert.Equal(HttpStatusCode.Created, (await _m.RefundAsync(paid, new { amount = 149_000, reason = "<b>all</b>" })).StatusCode);
    }
}
