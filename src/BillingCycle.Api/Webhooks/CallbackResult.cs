using BillingCycle.Api.Settlement;

namespace BillingCycle.Api.Webhooks;

/// <summary>What iPaymu is told (contract §5).</summary>
public enum CallbackAnswer
{
    /// <summary>200: applied, duplicate or deliberately ignored — iPaymu stops resending.</summary>
    Received,

    /// <summary>401 INVALID_SIGNATURE.</summary>
    InvalidSignature,

    /// <summary>400 INVALID_CALLBACK: nothing in it we could act on.</summary>
    Unusable,

    /// <summary>503: not processed now — iPaymu resends.</summary>
    ResendLater,

    /// <summary>429 RATE_LIMITED: too many callbacks without a valid signature from this address; not stored.</summary>
    TooMany,
}

/// <summary>
/// How one callback was handled: the answer for iPaymu, the outcome stored in
/// webhook_events.outcome, and the metric label. Built here only, from typed results.
/// </summary>
public sealed record CallbackResult(CallbackAnswer Answer, string Outcome, string Metric, bool? SignatureValid)
{
    /// <summary>The outcome is already in webhook_events, written in the settlement's transaction.</summary>
    public bool OutcomeStored { get; init; }

    public static CallbackResult Unparsable() => new(CallbackAnswer.Unusable, "unparsable", "unparsable", null);

    public static CallbackResult NoTransactionId(bool? signature) => new(CallbackAnswer.Unusable, "no_transaction_id", "no_transaction_id", signature);

    public static CallbackResult BadSignature() => new(CallbackAnswer.InvalidSignature, "invalid_signature", "invalid_signature", false);

    public static CallbackResult MissingSignature() => new(CallbackAnswer.InvalidSignature, "missing_signature", "missing_signature", null);

    public static CallbackResult RateLimited() => new(CallbackAnswer.TooMany, "rate_limited", "rate_limited", null) { OutcomeStored = true };

    public static CallbackResult DatabaseUnavailable(bool? signature) =>
        new(CallbackAnswer.ResendLater, "deferred_database_unavailable", "deferred_database_unavailable", signature);

    public static CallbackResult Failed(bool? signature, Exception ex) =>
        new(CallbackAnswer.ResendLater, "error:" + ex.GetType().Name, "error", signature);

    public static CallbackResult From(Confirmation c, bool? signature) => c.Kind switch
    {
        ConfirmationKind.Settled => new(CallbackAnswer.Received, c.Settlement!.Label, c.Settlement.Category, signature) { OutcomeStored = c.OutcomeRecorded },
        ConfirmationKind.UnknownTransaction => new(CallbackAnswer.Received, "unknown_transaction", "unknown_transaction", signature),
        ConfirmationKind.UnknownReference => new(CallbackAnswer.Received, "unknown_reference", "unknown_reference", signature),
        _ => new(CallbackAnswer.ResendLater, "deferred_gateway_unavailable", "deferred_gateway_unavailable", signature),
    };
}
