using BillingCycle.Api.Billing;
using BillingCycle.Api.Infrastructure.Alerts;
using BillingCycle.Api.Infrastructure.Observability;
using BillingCycle.Api.Infrastructure.Time;
using BillingCycle.IPaymu.Models;

namespace BillingCycle.Api.Payments;

/// <summary>
/// Acts on what iPaymu's check-transaction says about one attempt — the only outcome ever acted
/// upon (SPEC §6.6). Shared by the callback and by reconciliation, so both apply it the same way.
/// </summary>
public sealed class PaymentOutcomes(BillingStore store, BillingOptions options, BillingClock clock, AlertSender alerts)
{
    private static readonly HashSet<string> Oddities = new(StringComparer.Ordinal)
    {
        "amount_mismatch", "transaction_conflict", "invoice_already_paid", "invoice_already_cancelled",
    };

    /// <param name="expireIfOpenPastGrace">Reconciliation: an attempt iPaymu still calls pending after its expiry plus grace is expired.</param>
    public async Task<string> ApplyAsync(TransactionStatus status, PaymentRow payment, bool expireIfOpenPastGrace)
    {
        if (status.IsPaid)
        {
            // paid_at is when the billing clock learned it (SPEC §6.9); iPaymu's SuccessDate stays in gateway_response.
            var paid = await store.MarkPaidAsync(payment.Id, status.TransactionId, status.Amount, status.Fee,
                null, Raw(status));
            if (paid.Outcome == "applied")
            {
                BillingMetrics.PaymentOutcomes.Add(1, new("outcome", "paid"), new("reason", "confirmed"));
                BillingMetrics.Credit("interaction", "reset", paid.Interaction, "billing");
                BillingMetrics.Credit("scraper", "add", paid.Scraper, "billing");
            }
            else if (Oddities.Contains(paid.Outcome))
            {
                alerts.Raise($"Payment oddity: {paid.Outcome}", new
                {
                    payment_id = payment.Id, reference_id = payment.ReferenceId, transaction_id = status.TransactionId,
                    expected_amount = payment.Amount, reported_amount = status.Amount, invoice_id = payment.InvoiceId,
                });
            }
            return paid.Outcome;
        }

        if (status.State == TransactionState.Refund)
        {
            await store.LogAsync("payment_oddity", payment.SubscriptionId, payment.UserId, "error",
                new { kind = "refund_reported", payment_id = payment.Id, transaction_id = status.TransactionId },
                "iPaymu reports a refund for this payment");
            alerts.Raise("Payment oddity: refund_reported", new { payment_id = payment.Id, transaction_id = status.TransactionId });
            return "refund_reported";
        }

        if (status.IsFailed)
        {
            var kind = status.State == TransactionState.Expired ? "expired" : "failed";
            BillingMetrics.PaymentOutcomes.Add(1, new("outcome", kind), new("reason", status.State.ToString().ToLowerInvariant()));
            var outcome = await store.FailAsync(payment.Id, kind, $"iPaymu reports {status.StatusDesc ?? status.State.ToString()}", Raw(status));
            return $"{kind}:{outcome}";
        }

        // Still pending: remember the transaction id so the next check needs no history lookup.
        if (payment.TransactionId is null && status.TransactionId is { Length: > 0 } trx)
        {
            await store.LearnTransactionAsync(payment.Id, trx);
        }
        if (expireIfOpenPastGrace && IsPastGrace(payment))
        {
            BillingMetrics.PaymentOutcomes.Add(1, new("outcome", "expired"), new("reason", "unpaid_past_expiry"));
            return "expired:" + await store.FailAsync(payment.Id, "expired", "payment link expired unpaid", Raw(status));
        }
        return "pending";
    }

    private static string? Raw(TransactionStatus s) =>
        s.Raw.ValueKind == System.Text.Json.JsonValueKind.Undefined ? null : s.Raw.GetRawText();

    public bool IsPastGrace(PaymentRow payment) =>
        payment.ExpiresAt is { } e && e + options.ExpiryGrace < clock.UtcNow;
}
