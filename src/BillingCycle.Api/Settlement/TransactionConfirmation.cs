using BillingCycle.Api.Infrastructure.Alerts;
using BillingCycle.Api.Infrastructure.Audit;
using BillingCycle.Api.Infrastructure.Gateway;
using BillingCycle.IPaymu;
using BillingCycle.IPaymu.Callbacks;

namespace BillingCycle.Api.Settlement;

/// <summary>How a gateway transaction someone told us about turned out.</summary>
public enum ConfirmationKind
{
    /// <summary>iPaymu confirmed it and it was applied to its attempt (see the settlement result).</summary>
    Settled,

    /// <summary>iPaymu does not know the transaction: forged, or another merchant's.</summary>
    UnknownTransaction,

    /// <summary>iPaymu's answer names no attempt of ours (no reference or session, or one we never made).</summary>
    UnknownReference,

    /// <summary>iPaymu could not be asked now; ask again later.</summary>
    GatewayUnavailable,
}

/// <param name="OutcomeRecorded">The callback's outcome was written in the settlement's own transaction.</param>
public sealed record Confirmation(ConfirmationKind Kind, SettlementResult? Settlement = null, PaymentAttempt? Attempt = null,
    bool OutcomeRecorded = false);

/// <summary>
/// A callback said "transaction T changed": ask iPaymu's check-transaction about T, find the
/// attempt by what iPaymu's answer names — our reference, or the session id of a redirect payment
/// (contract §10.3; never by what the callback claims, since the VA that signs it is no secret) — and
/// apply iPaymu's word to it.
/// </summary>
public sealed class TransactionConfirmation(
    [FromKeyedServices(ServiceCollectionExtensions.CallbacksClient)] IPaymuClient ipaymu, CallbackCheckSlots slots,
    AttemptStore store, AttemptSettler settler, BillingLog log, AlertSender alerts)
{
    /// <summary>Confirms the transaction a callback names; the callback's own claims are only compared, never trusted.</summary>
    /// <param name="stored">The caller's record of the callback, which a paid or failed settlement writes in its own transaction.</param>
    public async Task<Confirmation> ConfirmAsync(string transactionId, IPaymuCallback callback, ISettlementWitness? stored = null)
    {
        var claimedReference = callback.ReferenceId;
        IPaymu.Models.TransactionStatus status;
        try
        {
            // Its own client, breaker and bound: a callback storm cannot defer the jobs (contract §10.4).
            var (ran, answer) = await slots.TryRunAsync(() => ipaymu.CheckTransactionAsync(transactionId, CancellationToken.None));
            if (!ran)
            {
                return new Confirmation(ConfirmationKind.GatewayUnavailable);
            }
            status = answer!;
        }
        catch (IPaymuUnavailableException)
        {
            return new Confirmation(ConfirmationKind.GatewayUnavailable);
        }
        catch (IPaymuRejectedException ex)
        {
            await log.WriteAsync("webhook", null, null, "error",
                new { kind = "unknown_transaction", transaction_id = transactionId, reference_id = claimedReference, gateway = ex.GatewayMessage },
                "Callback for a transaction iPaymu does not confirm");
            alerts.Raise("Payment oddity: callback for an unconfirmed transaction", new { transaction_id = transactionId, reference_id = claimedReference });
            return new Confirmation(ConfirmationKind.UnknownTransaction);
        }

        if (status.ReferenceId is { } confirmed && claimedReference is { } claimed && confirmed != claimed)
        {
            await log.WriteAsync("webhook", null, null, "error",
                new { kind = "reference_mismatch", transaction_id = transactionId, callback_reference = claimed, confirmed_reference = confirmed },
                "Callback reference differs from iPaymu's record");
            alerts.Raise("Payment oddity: reference_mismatch", new { transaction_id = transactionId });
        }

        var attempt = status.ReferenceId is null && status.SessionId is null
            ? null
            : await store.FindAsync(status.ReferenceId, null, status.SessionId, CancellationToken.None);
        if (attempt is null || !NamesAttempt(status, attempt))
        {
            await log.WriteAsync("webhook", null, null, "error",
                new { kind = "unknown_reference", transaction_id = transactionId, reference_id = status.ReferenceId, session_id = status.SessionId, claimed_reference = claimedReference },
                "Payment for a reference this service did not create");
            alerts.Raise("Payment oddity: unknown_reference", new { transaction_id = transactionId, reference_id = status.ReferenceId ?? claimedReference });
            return new Confirmation(ConfirmationKind.UnknownReference);
        }

        var result = await settler.ApplyAsync(status, attempt, stored);
        return new Confirmation(ConfirmationKind.Settled, result, attempt,
            stored is not null && result.Kind is SettlementKind.Paid or SettlementKind.Failed or SettlementKind.Expired);
    }

    /// <summary>The attempt is the one iPaymu's answer names, by our reference or by its session.</summary>
    private static bool NamesAttempt(IPaymu.Models.TransactionStatus status, PaymentAttempt attempt) =>
        (status.ReferenceId is { } r && r == attempt.ReferenceId)
        || (status.ReferenceId is null && status.SessionId is { } s && s == attempt.SessionId);
}
