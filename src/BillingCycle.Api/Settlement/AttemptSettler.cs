using BillingCycle.Api.Infrastructure.Alerts;
using BillingCycle.Api.Infrastructure.Audit;
using BillingCycle.Api.Infrastructure.Observability;
using BillingCycle.Api.Infrastructure.Time;
using BillingCycle.IPaymu.Models;

namespace BillingCycle.Api.Settlement;

/// <summary>
/// The one place an attempt's fate is applied: what iPaymu's check-transaction says (the only
/// outcome ever acted upon, contract §6.6), an unpaid link expired, a creation iPaymu refused, or a
/// free invoice. The callback, reconciliation, the late-payment sweep and payment creation all
/// come here, so paid is applied, counted and alerted the same way whoever learned it.
/// </summary>
public sealed class AttemptSettler(AttemptStore store, ManualSettlementStore manual, SettlementOptions options, BillingClock clock, BillingLog log, AlertSender alerts)
{
    /// <summary>Applies a check-transaction answer; a pending answer only teaches us the transaction id.</summary>
    /// <param name="callback">A callback's record, written with the outcome in the change's transaction (paid, failed, expired).</param>
    public async Task<SettlementResult> ApplyAsync(TransactionStatus status, PaymentAttempt attempt, ISettlementWitness? callback = null)
    {
        if (status.IsPaid)
        {
            // paid_at is when the billing clock learned it (contract §6.9); iPaymu's SuccessDate stays in gateway_response.
            var paid = await store.MarkPaidAsync(attempt.Id, status.TransactionId, status.Amount, status.Fee, null, Raw(status), callback);
            var result = new SettlementResult(SettlementKind.Paid, Paid: paid.Outcome);
            CountPaid(paid);
            if (result.IsOddity)
            {
                alerts.Raise($"Payment oddity: {result.Label}", new
                {
                    payment_id = attempt.Id, reference_id = attempt.ReferenceId, transaction_id = status.TransactionId,
                    expected_amount = attempt.Amount, reported_amount = status.Amount, invoice_id = attempt.InvoiceId,
                });
            }
            return result;
        }

        if (status.State == TransactionState.Refund)
        {
            await log.WriteAsync("payment_oddity", attempt.SubscriptionId, attempt.UserId, "error",
                new { kind = "refund_reported", payment_id = attempt.Id, transaction_id = status.TransactionId },
                "iPaymu reports a refund for this payment");
            alerts.Raise("Payment oddity: refund_reported", new { payment_id = attempt.Id, transaction_id = status.TransactionId });
            return SettlementResult.RefundReported;
        }

        if (status.IsFailed)
        {
            var expired = status.State == TransactionState.Expired;
            BillingMetrics.PaymentOutcomes.Add(1, new("outcome", expired ? "expired" : "failed"),
                new("reason", status.State.ToString().ToLowerInvariant()));
            var outcome = await store.FailAsync(attempt.Id, expired, $"iPaymu reports {status.StatusDesc ?? status.State.ToString()}", Raw(status), callback);
            return new SettlementResult(expired ? SettlementKind.Expired : SettlementKind.Failed, Failure: outcome);
        }

        // Still pending: remember the transaction id so the next check needs no history lookup.
        if (attempt.TransactionId is null && status.TransactionId is { Length: > 0 } trx)
        {
            await store.LearnTransactionAsync(attempt.Id, trx);
        }
        return SettlementResult.StillPending;
    }

    /// <summary>True when the attempt's link expired more than the grace period ago (contract §4.9).</summary>
    public bool IsPastGrace(PaymentAttempt attempt) =>
        attempt.ExpiresAt is { } e && e + options.ExpiryGrace < clock.UtcNow;

    /// <summary>An unpaid link past its expiry and grace: the attempt expires and dunning moves on.</summary>
    public async Task<SettlementResult> ExpireUnpaidAsync(PaymentAttempt attempt, TransactionStatus? lastAnswer)
    {
        BillingMetrics.PaymentOutcomes.Add(1, new("outcome", "expired"), new("reason", "unpaid_past_expiry"));
        var reason = lastAnswer is null ? "payment link expired unpaid (no transaction at iPaymu)" : "payment link expired unpaid";
        var outcome = await store.FailAsync(attempt.Id, expired: true, reason, lastAnswer is null ? null : Raw(lastAnswer));
        return new SettlementResult(SettlementKind.Expired, Failure: outcome);
    }

    /// <summary>iPaymu refused to create the payment: the attempt fails as any other failure would.</summary>
    public async Task<SettlementResult> FailRefusedAsync(Guid paymentId, string gatewayMessage)
    {
        BillingMetrics.PaymentOutcomes.Add(1, new("outcome", "failed"), new("reason", "gateway_rejected"));
        var outcome = await store.FailAsync(paymentId, expired: false, $"iPaymu rejected the payment: {gatewayMessage}", null);
        return new SettlementResult(SettlementKind.Failed, Failure: outcome);
    }

    /// <summary>Nothing to collect: a free invoice is paid the moment it exists.</summary>
    public async Task<SettlementResult> SettleFreeAsync(Guid paymentId)
    {
        var paid = await store.MarkPaidAsync(paymentId, null, 0, 0, clock.UtcNow, null);
        CountPaid(paid);
        return new SettlementResult(SettlementKind.Paid, Paid: paid.Outcome);
    }

    /// <summary>
    /// A payment an operator saw arrive outside iPaymu (contract §13.1): recorded and settled by
    /// the same SQL as a confirmed iPaymu payment, in one transaction, and counted the same way.
    /// </summary>
    public async Task<ManualResult> RecordManualAsync(ManualPayment payment, CancellationToken ct)
    {
        var result = await manual.RecordAsync(payment, ct);
        if (result.Outcome == ManualOutcome.Applied)
        {
            CountPaid(new PaidChange(PaidOutcome.Applied, result.InteractionGranted, result.ScraperGranted), "manual");
        }
        return result;
    }

    private static void CountPaid(PaidChange paid, string reason = "confirmed")
    {
        if (paid.Outcome == PaidOutcome.Applied)
        {
            BillingMetrics.PaymentOutcomes.Add(1, new("outcome", "paid"), new("reason", reason));
            BillingMetrics.Credit("interaction", "reset", paid.InteractionGranted, "billing");
            BillingMetrics.Credit("scraper", "add", paid.ScraperGranted, "billing");
        }
    }

    private static string? Raw(TransactionStatus s) =>
        s.Raw.ValueKind == System.Text.Json.JsonValueKind.Undefined ? null : s.Raw.GetRawText();
}
