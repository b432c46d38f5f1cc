using System.Net;
using BillingCycle.IntegrationTests.Infrastructure;
using BillingCycle.IPaymu.StandIn;

namespace BillingCycle.IntegrationTests.Settlement;

/// <summary>
/// contract §10.3: a callback is applied only to the attempt iPaymu's own check-transaction answer
/// names. The VA that keys the callback signature is an identifier, not a secret, so a signed
/// callback may point a real, paid transaction of someone else at one of our invoices.
/// </summary>
public sealed class CallbackMatchingTests : IAsyncLifetime
{
    private BillingHarness _h = null!;

    public async Task InitializeAsync() => _h = await BillingHarness.StartAsync();

    public async Task DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task A_paid_transaction_without_our_reference_cannot_be_pointed_at_an_invoice_by_the_callback()
    {
        var (sub, user) = await _h.DueSubscriptionAsync(price: 149_000);
        await _h.RenewAsync();
        var reference = await _h.InvoiceReferenceAsync(sub);

        // A payment on the same merchant account that we never created (a dashboard payment link):
        // same amount, paid, no referenceId at iPaymu.
        var foreign = new StandInPayment
        {
            SessionId = Guid.NewGuid().ToString(), ReferenceId = "", Amount = 149_000, NotifyUrl = "http://127.0.0.1:1/none",
            CreatedAt = DateTimeOffset.UtcNow, ExpiresAt = DateTimeOffset.UtcNow.AddHours(24),
        };
        _h.StandIn.State.BySession[foreign.SessionId] = foreign;
        _h.StandIn.State.AssignTransaction(foreign);
        foreign.Status = 1;
        foreign.PaidAt = DateTimeOffset.UtcNow;
        // The forged callback: that transaction id, our invoice's reference, signed with the VA.
        var claim = new StandInPayment
        {
            SessionId = foreign.SessionId, ReferenceId = reference, Amount = 149_000, NotifyUrl = foreign.NotifyUrl,
            CreatedAt = foreign.CreatedAt, ExpiresAt = foreign.ExpiresAt, TransactionId = foreign.TransactionId, Status = 1,
            PaidAt = foreign.PaidAt,
        };

        var res = await _h.DeliverAsync(_h.StandIn.Callbacks.Build(claim));

        Assert.Equal(HttpStatusCode.OK, res.StatusCode); // deliberately ignored: iPaymu need not resend
        Assert.Equal("unknown_reference", await _h.Db.ScalarAsync<string>("SELECT outcome FROM webhook_events"));
        Assert.Equal("pending|pending", await _h.Db.ScalarAsync<string>("""
            SELECT i.status || '|' || p.status FROM invoices i JOIN payments p ON p.invoice_id = i.id WHERE i.subscription_id = $1
            """, sub));
        Assert.Equal(0, await _h.Db.ScalarAsync<long>("SELECT count(*) FROM credit_transactions WHERE user_id = $1", user));
        Assert.Equal(1, await _h.Db.ScalarAsync<long>(
            "SELECT count(*) FROM billing_logs WHERE status = 'error' AND details->>'kind' = 'unknown_reference'"));
    }

    [Fact]
    public async Task A_callback_whose_reference_differs_from_iPaymus_is_applied_to_iPaymus_attempt_only()
    {
        var (subA, _) = await _h.DueSubscriptionAsync(price: 149_000);
        var (subB, userB) = await _h.DueSubscriptionAsync(price: 149_000);
        await _h.RenewAsync();
        var referenceA = await _h.InvoiceReferenceAsync(subA);
        var referenceB = await _h.InvoiceReferenceAsync(subB);
        var paidA = _h.StandIn.Act(referenceA, "pay");
        // A's real transaction, but the callback claims B's invoice.
        var claim = _h.StandIn.ByReference(referenceA)!;
        var forged = _h.StandIn.Callbacks.Build(new StandInPayment
        {
            SessionId = claim.SessionId, ReferenceId = referenceB, Amount = claim.Amount, NotifyUrl = claim.NotifyUrl,
            CreatedAt = claim.CreatedAt, ExpiresAt = claim.ExpiresAt, TransactionId = claim.TransactionId, Status = 1, PaidAt = claim.PaidAt,
        });

        var res = await _h.DeliverAsync(forged);

        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        Assert.Equal("paid", await _h.Db.ScalarAsync<string>("SELECT status FROM invoices WHERE subscription_id = $1", subA));
        Assert.Equal("pending", await _h.Db.ScalarAsync<string>("SELECT status FROM invoices WHERE subscription_id = $1", subB));
        Assert.Equal(0, await _h.Db.ScalarAsync<long>("SELECT count(*) FROM credit_transactions WHERE user_id = $1", userB));
        Assert.Equal(1, await _h.Db.ScalarAsync<long>(
            "SELECT count(*) FROM billing_logs WHERE status = 'error' AND details->>'kind' = 'reference_mismatch'"));
        Assert.NotNull(paidA);
    }
}
