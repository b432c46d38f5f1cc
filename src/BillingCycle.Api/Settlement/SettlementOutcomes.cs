namespace BillingCycle.Api.Settlement;

/// <summary>What billing_mark_paid answered (db/functions/settlement_paid.sql).</summary>
public enum PaidOutcome
{
    Applied,
    Duplicate,
    /// <summary>Another transaction paid an attempt already paid: money taken twice, refunded by hand.</summary>
    PaidAgain,
    AmountMismatch,
    TransactionConflict,
    InvoiceAlreadyPaid,
    InvoiceAlreadyCancelled,
    UnknownPayment,
}

/// <summary>What billing_fail_payment answered (db/functions/settlement_failed.sql).</summary>
public enum FailOutcome
{
    RetryScheduled,
    Canceled,
    Closed,
    Superseded,
    /// <summary>The attempt closed, and nothing else moved: a checkout, an upgrade, or a customer's own link.</summary>
    AttemptClosed,
    Duplicate,
    UnknownPayment,
}

/// <summary>Which way an attempt was settled.</summary>
public enum SettlementKind
{
    Paid,
    Failed,
    Expired,
    RefundReported,
    StillPending,
}

/// <summary>The result of settling one attempt: the kind, and what the SQL function said.</summary>
public sealed record SettlementResult(SettlementKind Kind, PaidOutcome? Paid = null, FailOutcome? Failure = null)
{
    public static readonly SettlementResult StillPending = new(SettlementKind.StillPending);
    public static readonly SettlementResult RefundReported = new(SettlementKind.RefundReported);

    public bool Applied => Paid == PaidOutcome.Applied;

    /// <summary>A payment that arrived where it should not have: an alert and a person's attention.</summary>
    public bool IsOddity => Paid is PaidOutcome.PaidAgain or PaidOutcome.AmountMismatch or PaidOutcome.TransactionConflict
        or PaidOutcome.InvoiceAlreadyPaid or PaidOutcome.InvoiceAlreadyCancelled || Kind == SettlementKind.RefundReported;

    /// <summary>The stored label (webhook_events.outcome, reconciliation counts): "applied", "expired:retry_scheduled", …</summary>
    public string Label => Kind switch
    {
        SettlementKind.Paid => Paid!.Value.Label(),
        SettlementKind.Failed => "failed:" + Failure!.Value.Label(),
        SettlementKind.Expired => "expired:" + Failure!.Value.Label(),
        SettlementKind.RefundReported => "refund_reported",
        _ => "pending",
    };

    /// <summary>The kind alone, for metrics and counts ("applied", "failed", "expired", "pending", …).</summary>
    public string Category => Kind switch
    {
        SettlementKind.Paid => Paid!.Value.Label(),
        SettlementKind.Failed => "failed",
        SettlementKind.Expired => "expired",
        SettlementKind.RefundReported => "refund_reported",
        _ => "pending",
    };
}

/// <summary>The one mapping between the SQL functions' outcome words and the enums.</summary>
public static class OutcomeWords
{
    public static PaidOutcome ParsePaid(string word) => word switch
    {
        "applied" => PaidOutcome.Applied,
        "duplicate" => PaidOutcome.Duplicate,
        "paid_again" => PaidOutcome.PaidAgain,
        "amount_mismatch" => PaidOutcome.AmountMismatch,
        "transaction_conflict" => PaidOutcome.TransactionConflict,
        "invoice_already_paid" => PaidOutcome.InvoiceAlreadyPaid,
        "invoice_already_cancelled" => PaidOutcome.InvoiceAlreadyCancelled,
        "unknown_payment" => PaidOutcome.UnknownPayment,
        _ => throw new InvalidOperationException($"billing_mark_paid answered an unknown outcome '{word}'"),
    };

    public static FailOutcome ParseFail(string word) => word switch
    {
        "retry_scheduled" => FailOutcome.RetryScheduled,
        "canceled" => FailOutcome.Canceled,
        "closed" => FailOutcome.Closed,
        "superseded" => FailOutcome.Superseded,
        "attempt_closed" => FailOutcome.AttemptClosed,
        "duplicate" => FailOutcome.Duplicate,
        "unknown_payment" => FailOutcome.UnknownPayment,
        _ => throw new InvalidOperationException($"billing_fail_payment answered an unknown outcome '{word}'"),
    };

    public static string Label(this PaidOutcome o) => o switch
    {
        PaidOutcome.Applied => "applied",
        PaidOutcome.Duplicate => "duplicate",
        PaidOutcome.PaidAgain => "paid_again",
        PaidOutcome.AmountMismatch => "amount_mismatch",
        PaidOutcome.TransactionConflict => "transaction_conflict",
        PaidOutcome.InvoiceAlreadyPaid => "invoice_already_paid",
        PaidOutcome.InvoiceAlreadyCancelled => "invoice_already_cancelled",
        _ => "unknown_payment",
    };

    public static string Label(this FailOutcome o) => o switch
    {
        FailOutcome.RetryScheduled => "retry_scheduled",
        FailOutcome.Canceled => "canceled",
        FailOutcome.Closed => "closed",
        FailOutcome.Superseded => "superseded",
        FailOutcome.AttemptClosed => "attempt_closed",
        FailOutcome.Duplicate => "duplicate",
        _ => "unknown_payment",
    };
}

/// <summary>What billing_mark_paid changed, with the credits it granted.</summary>
public sealed record PaidChange(PaidOutcome Outcome, long InteractionGranted, long ScraperGranted);
