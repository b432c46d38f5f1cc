namespace BillingCycle.Api.Refunds;

/// <summary>What billing_refund_invoice answered (db/functions/refunds.sql).</summary>
public enum RefundOutcome
{
    Refunded,
    NotFound,
    NotPaid,
    AlreadyRefunded,
    ExceedsPaid,
}

public sealed record RefundResult(RefundOutcome Outcome, Guid? CreditNoteId);

/// <summary>A refund to record: the operator is who returned the money.</summary>
public sealed record RefundRequest(Guid InvoiceId, long Amount, string Reason, bool RevokeCredits, bool CancelSubscription, string OperatorId);

/// <summary>A credit note as the API shows it (contract §13.2); pdf_url is its public PDF.</summary>
public sealed record CreditNoteView(Guid Id, string CreditNoteNumber, Guid InvoiceId, string InvoiceNumber, string UserId,
    long Amount, long TaxAmount, string Reason, string CreatedBy, DateTimeOffset CreatedAt, string? PdfUrl);

/// <summary>The invoice as the refund left it.</summary>
public sealed record RefundedInvoice(Guid Id, string InvoiceNumber, string Status, long Amount, long RefundedAmount);

public sealed record RefundAnswer(CreditNoteView CreditNote, RefundedInvoice Invoice);
