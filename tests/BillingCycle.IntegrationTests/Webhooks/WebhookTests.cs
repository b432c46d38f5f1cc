using BillingCycle.TestSupport;
using System.Net;
using BillingCycle.IntegrationTests.Infrastructure;
using BillingCycle.IPaymu.StandIn;

namespace BillingCycle.IntegrationTests.Webhooks;

public sealed class WebhookTests : IAsyncLifetime
{
    private BillingHarness _h = null!;

    public async Task InitializeAsync() => _h = await BillingHarness.StartAsync();

    public async Task DisposeAsync() => await _h.DisposeAsync();

    private async Task<(Guid Sub, string User, string Reference)> RenewedAsync(long price = 149_000)
    {
        var (sub, user) = await _h.DueSubscriptionAsync(price: price, interaction: 1_000, scraper: 500);
        await _h.Db.ScalarAsync<Guid>("SELECT add_scraper_credits($1, 30, 'earlier', 'left over')", user);
        await _h.Db.ScalarAsync<Guid>("SELECT reset_interaction_credits($1, 7, 'earlier', 'left over')", user);
        await _h.RenewAsync();
        return (sub, user, await _h.InvoiceReferenceAsync(sub));
    }

    private async Task AssertPaidOnceAsync(Guid sub, string user)
    {
        Assert.Equal("active|2026-12-01|paid|paid", await _h.Db.ScalarAsync<string>("""
            SELECT s.status || '|' || to_char(s.current_period_end AT TIME ZONE 'UTC', 'YYYY-MM-DD') || '|' || i.status || '|' || p.status
              FROM subscriptions s JOIN invoices i ON i.subscription_id = s.id JOIN payments p ON p.invoice_id = i.id WHERE s.id = $1
            """, sub));
        Assert.Equal(1_000, await _h.Db.ScalarAsync<long>("SELECT get_credit_balance($1, 'interaction')", user));
        Assert.Equal(530, await _h.Db.ScalarAsync<long>("SELECT get_credit_balance($1, 'scraper')", user));
        var invoice = await _h.Db.ScalarAsync<Guid>("SELECT id FROM invoices WHERE subscription_id = $1", sub);
        Assert.Equal(2, await _h.Db.ScalarAsync<long>("SELECT count(*) FROM credit_transactions WHERE reference_id = $1", invoice.ToString()));
        Assert.Equal(1, await _h.Db.ScalarAsync<long>("SELECT count(*) FROM notifications WHERE user_id = $1 AND type = 'billing_success'", user));
        // The words of Deliveries/Email/Templates/id/billing_success.liquid (BILLING_LOCALE id).
        Assert.Equal("Pembayaran diterima|Pembayaran sebesar Rp149.000 untuk langganan Pro sudah kami terima. Langganan Anda aktif sampai 1 Desember 2026.",
            await _h.Db.ScalarAsync<string>("SELECT title || '|' || message FROM notifications WHERE user_id = $1 AND type = 'billing_success'", user));
        Assert.Equal(1, await _h.Db.ScalarAsync<long>("SELECT count(*) FROM billing_logs WHERE subscription_id = $1 AND event_type = 'renewal' AND status = 'success'", sub));
        foreach (var type in new[] { "interaction", "scraper" })
        {
            Assert.Equal(await _h.Db.ScalarAsync<long>("SELECT get_credit_balance($1, $2)", user, type),
                await _h.Db.ScalarAsync<long>("SELECT sum(amount) FROM credit_transactions WHERE user_id = $1 AND credit_type = $2", user, type));
        }
    }

    [Theory]
    [InlineData("form")]
    [InlineData("json")]
    public async Task A_paid_callback_pays_the_invoice_advances_the_period_and_grants_credits(string format)
    {
        await using var h = await BillingHarness.StartAsync(standIn: o => o.CallbackFormat = format);
        var (sub, user) = await h.DueSubscriptionAsync();
        await h.Db.ScalarAsync<Guid>("SELECT add_scraper_credits($1, 30, 'earlier', 'left over')", user);
        await h.RenewAsync();
        var cb = h.StandIn.Act(await h.InvoiceReferenceAsync(sub), "pay");

        var res = await h.DeliverAsync(cb);

        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        Assert.Equal("""{"received":true}""", await res.Content.ReadAsStringAsync());
        Assert.Equal("active|2026-11-01|2026-12-01|paid", await h.Db.ScalarAsync<string>("""
            SELECT s.status || '|' || to_char(s.current_period_start AT TIME ZONE 'UTC', 'YYYY-MM-DD') || '|'
                   || to_char(s.current_period_end AT TIME ZONE 'UTC', 'YYYY-MM-DD') || '|' || i.status
              FROM subscriptions s JOIN invoices i ON i.subscription_id = s.id WHERE s.id = $1
            """, sub));
        Assert.Equal(1_000, await h.Db.ScalarAsync<long>("SELECT get_credit_balance($1, 'interaction')", user));
        Assert.Equal(530, await h.Db.ScalarAsync<long>("SELECT get_credit_balance($1, 'scraper')", user));
        Assert.Equal("applied|true", await h.Db.ScalarAsync<string>("SELECT outcome || '|' || signature_valid FROM webhook_events"));
        Assert.Equal(format == "json" ? "application/json" : "application/x-www-form-urlencoded",
            await h.Db.ScalarAsync<string>("SELECT content_type FROM webhook_events"));
    }

    [Fact]
    public async Task The_same_callback_ten_times_and_concurrently_is_applied_once()
    {
        var (sub, user, reference) = await RenewedAsync();
        var cb = _h.StandIn.Act(reference, "pay");

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await _h.DeliverAsync(cb)).StatusCode);
        }
        var concurrent = await Task.WhenAll(Enumerable.Range(0, 7).Select(_ => _h.DeliverAsync(cb)));
        Assert.All(concurrent, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));

        await AssertPaidOnceAsync(sub, user);
        Assert.Equal(10, await _h.Db.ScalarAsync<long>("SELECT count(*) FROM webhook_events"));
        Assert.Equal(9, await _h.Db.ScalarAsync<long>("SELECT count(*) FROM webhook_events WHERE outcome = 'duplicate'"));
    }

    [Fact]
    public async Task Ten_concurrent_first_deliveries_are_applied_once()
    {
        var (sub, user, reference) = await RenewedAsync();
        var cb = _h.StandIn.Act(reference, "pay");
        var answers = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => _h.DeliverAsync(cb)));
        Assert.All(answers, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        await AssertPaidOnceAsync(sub, user);
    }

    [Fact]
    public async Task A_bad_signature_is_401_and_changes_nothing()
    {
        var (sub, _, reference) = await RenewedAsync();
        var cb = _h.StandIn.Act(reference, "pay");
        var wrong = cb.Signature[..^1] + (cb.Signature[^1] == 'a' ? 'b' : 'a');

        var res = await _h.DeliverAsync(cb, signatureOverride: wrong);
        var missing = await _h.DeliverAsync(cb, withSignature: false);

        Assert.Equal(HttpStatusCode.Unauthorized, res.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
        Assert.Contains("INVALID_SIGNATURE", await res.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal("pending", await _h.Db.ScalarAsync<string>("SELECT status FROM invoices WHERE subscription_id = $1", sub));
        Assert.Equal("invalid_signature,missing_signature", await _h.Db.ScalarAsync<string>(
            "SELECT string_agg(outcome, ',' ORDER BY received_at, outcome) FROM webhook_events"));
        Assert.Equal(0, _h.StandIn.RequestCount("/api/v2/transaction"));
    }

    [Fact]
    public async Task A_validly_signed_callback_whose_transaction_is_unpaid_changes_nothing()
    {
        var (sub, user, reference) = await RenewedAsync();
        var forged = _h.StandIn.Act(reference, "pay"); // a signed "berhasil" callback...
        _h.StandIn.Act(reference, "pending");          // ...but iPaymu's record says pending

        var res = await _h.DeliverAsync(forged);

        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        Assert.Equal("pending|pending", await _h.Db.ScalarAsync<string>(
            "SELECT i.status || '|' || p.status FROM invoices i JOIN payments p ON p.invoice_id = i.id WHERE i.subscription_id = $1", sub));
        Assert.Equal(7, await _h.Db.ScalarAsync<long>("SELECT get_credit_balance($1, 'interaction')", user));
        Assert.Equal("pending", await _h.Db.ScalarAsync<string>("SELECT outcome FROM webhook_events"));
        Assert.NotNull(await _h.Db.ScalarAsync<string>("SELECT transaction_id FROM payments"));
    }

    /// <summary>
    /// Two links for one attempt share its reference (an orphan's link made again after a crash,
    /// two pay-nows racing): a customer who pays both has paid twice. The second transaction must
    /// not pass for a duplicate of the first: it is an oddity, flagged once, and grants nothing.
    /// </summary>
    [Fact]
    public async Task A_second_transaction_paying_an_attempt_already_paid_is_an_oddity_flagged_once()
    {
        var (sub, user, reference) = await RenewedAsync();
        Assert.Equal(HttpStatusCode.OK, (await _h.DeliverAsync(_h.StandIn.Act(reference, "pay"))).StatusCode);
        var session = _h.StandIn.ByReference(reference)!;
        var second = new StandInPayment
        {
            SessionId = session.SessionId, ReferenceId = reference, Amount = session.Amount, NotifyUrl = session.NotifyUrl,
            CreatedAt = session.CreatedAt, ExpiresAt = session.ExpiresAt, Status = 1, PaidAt = DateTimeOffset.UtcNow,
            TransactionId = _h.StandIn.State.NewTransactionId(),
        };
        _h.StandIn.State.ByTransaction[second.TransactionId!] = second;
        var cb = _h.StandIn.Callbacks.Build(second);

        Assert.Equal(HttpStatusCode.OK, (await _h.DeliverAsync(cb)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _h.DeliverAsync(cb)).StatusCode);

        await AssertPaidOnceAsync(sub, user);
        Assert.Equal("applied,duplicate,paid_again", await _h.Db.ScalarAsync<string>(
            "SELECT string_agg(outcome, ',' ORDER BY outcome) FROM webhook_events"));
        Assert.Equal(second.TransactionId, await _h.Db.ScalarAsync<string>("""
            SELECT details->>'transaction_id' FROM billing_logs
             WHERE event_type = 'payment_oddity' AND status = 'error' AND details->>'kind' = 'second_payment'
            """));
        Assert.Equal(1, await _h.Db.ScalarAsync<long>("SELECT count(*) FROM billing_logs WHERE details->>'kind' = 'second_payment'"));
        Assert.NotEqual(second.TransactionId, await _h.Db.ScalarAsync<string>(
            "SELECT transaction_id FROM payments p JOIN invoices i ON i.id = p.invoice_id WHERE i.subscription_id = $1", sub));
    }

    [Fact]
    public async Task A_paid_amount_that_differs_from_the_invoice_is_an_oddity_and_grants_nothing()
    {
        var (sub, user, reference) = await RenewedAsync();
        var session = _h.StandIn.ByReference(reference)!;
        var tampered = new StandInPayment
        {
            SessionId = session.SessionId, ReferenceId = reference, Amount = 5_000, NotifyUrl = session.NotifyUrl,
            CreatedAt = session.CreatedAt, ExpiresAt = session.ExpiresAt, Status = 1, PaidAt = DateTimeOffset.UtcNow,
            TransactionId = _h.StandIn.State.NewTransactionId(),
        };
        _h.StandIn.State.ByTransaction[tampered.TransactionId!] = tampered;
        var cb = _h.StandIn.Callbacks.Build(tampered);

        var res = await _h.DeliverAsync(cb);

        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        Assert.Equal("pending", await _h.Db.ScalarAsync<string>("SELECT status FROM invoices WHERE subscription_id = $1", sub));
        Assert.Equal(7, await _h.Db.ScalarAsync<long>("SELECT get_credit_balance($1, 'interaction')", user));
        Assert.Equal("amount_mismatch", await _h.Db.ScalarAsync<string>("SELECT outcome FROM webhook_events"));
        Assert.Equal(1, await _h.Db.ScalarAsync<long>(
            "SELECT count(*) FROM billing_logs WHERE status = 'error' AND details->>'kind' = 'amount_mismatch'"));
    }

    [Fact]
    public async Task A_callback_for_an_unknown_reference_is_stored_logged_as_error_and_answered_200()
    {
        var stranger = new StandInPayment
        {
            SessionId = Guid.NewGuid().ToString(), ReferenceId = "NOT-OURS-1", Amount = 50_000, NotifyUrl = "https://billing.test/api/billing/webhook",
            CreatedAt = DateTimeOffset.UtcNow, ExpiresAt = DateTimeOffset.UtcNow.AddHours(1), Status = 1, PaidAt = DateTimeOffset.UtcNow,
        };
        _h.StandIn.State.BySession[stranger.SessionId] = stranger;
        _h.StandIn.State.AssignTransaction(stranger);

        var res = await _h.DeliverAsync(_h.StandIn.Callbacks.Build(stranger));

        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        Assert.Equal("unknown_reference|NOT-OURS-1", await _h.Db.ScalarAsync<string>("SELECT outcome || '|' || reference_id FROM webhook_events"));
        Assert.Equal(1, await _h.Db.ScalarAsync<long>("SELECT count(*) FROM billing_logs WHERE status = 'error' AND details->>'kind' = 'unknown_reference'"));
        Assert.Equal(0, await _h.Db.ScalarAsync<long>("SELECT count(*) FROM credit_transactions"));
    }

    [Fact]
    public async Task An_unparsable_callback_is_stored_and_answered_400()
    {
        using var req = new HttpRequestMessage(HttpMethod.Post, "/api/billing/webhook")
        {
            Content = new StringContent("{not json", System.Text.Encoding.UTF8, "application/json"),
        };
        var res = await _h.Api.CreateClient().SendAsync(req);
        Assert.Equal(HttpStatusCode.BadRequest, res.StatusCode);
        Assert.Equal("unparsable", await _h.Db.ScalarAsync<string>("SELECT outcome FROM webhook_events"));
    }

    [Fact]
    public async Task When_iPaymu_cannot_confirm_the_callback_is_answered_503_for_a_resend()
    {
        var (sub, _, reference) = await RenewedAsync();
        var cb = _h.StandIn.Act(reference, "pay");
        await _h.StandIn.SetFaultsAsync(new StandInFaults { Mode = "http500", PathPrefix = "/api/v2/transaction" });

        var res = await _h.DeliverAsync(cb);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, res.StatusCode);
        Assert.Equal("pending", await _h.Db.ScalarAsync<string>("SELECT status FROM invoices WHERE subscription_id = $1", sub));

        await _h.StandIn.SetFaultsAsync(new StandInFaults());
        Assert.Equal(HttpStatusCode.OK, (await _h.DeliverAsync(cb)).StatusCode);
        Assert.Equal("paid", await _h.Db.ScalarAsync<string>("SELECT status FROM invoices WHERE subscription_id = $1", sub));
    }

    [Fact]
    public async Task An_expired_callback_fails_the_attempt_and_starts_dunning()
    {
        var (sub, user, reference) = await RenewedAsync();
        var res = await _h.DeliverAsync(_h.StandIn.Act(reference, "expire"));
        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        Assert.Equal("past_due|failed|expired", await _h.Db.ScalarAsync<string>("""
            SELECT s.status || '|' || i.status || '|' || p.status FROM subscriptions s JOIN invoices i ON i.subscription_id = s.id
              JOIN payments p ON p.invoice_id = i.id WHERE s.id = $1
            """, sub));
        var nextRetry = BillingCycle.Api.Deliveries.Email.LocaleFormat.Date(_h.Api.Clock.GetUtcNow().AddDays(1), BillingCycle.Api.Deliveries.Email.EmailLocale.Indonesian, BillingCycle.Api.Infrastructure.Time.CustomerTime.Jakarta);
        Assert.Equal("Pembayaran Anda belum berhasil|Kami belum menerima pembayaran sebesar Rp149.000 untuk langganan Pro. " +
            $"Kami akan mengirim tautan pembayaran baru pada {nextRetry}; Anda juga dapat membayar sekarang.",
            await _h.Db.ScalarAsync<string>("SELECT title || '|' || message FROM notifications WHERE user_id = $1 AND type = 'billing_failed'", user));
    }
}
