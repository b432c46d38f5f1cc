namespace BillingCycle.Api.Console.Seams;

/// <summary>What an operator types into the "Record payment" form (contract §13.1).</summary>
/// <param name="Method">bank_transfer, cash or other, as the API takes it.</param>
/// <param name="PaidAt">An ISO-8601 time with an offset, or null for now.</param>
public sealed record PaymentReceived(Guid InvoiceId, string Method, string Reference, long Amount, string? PaidAt);

/// <summary>What an operator types into the refund form (contract §13.2).</summary>
public sealed record RefundAsked(Guid InvoiceId, long Amount, bool RevokeCredits, bool CancelSubscription);

/// <summary>
/// Money that moved outside iPaymu, recorded from the customer page through the API's own code
/// (<c>POST /api/admin/invoices/{id}/payments</c> and <c>/refunds</c>): the same SQL function, the
/// same refusals and codes. Implemented by ManualPayments/ and Refunds/. Unlike the other seams,
/// a successful call has written its operator_action row in its own transaction (the SQL function
/// does, with the change); the console logs only a refusal.
/// </summary>
public interface IManualPaymentActions
{
    /// <summary>Done; NotFound (<c>INVOICE_NOT_FOUND</c>, also another customer's invoice); Refused with the API's code.</summary>
    Task<ActionOutcome> RecordPaymentAsync(string userId, PaymentReceived payment, OperatorAction action, CancellationToken ct);
}

/// <inheritdoc cref="IManualPaymentActions"/>
public interface IRefundActions
{
    /// <summary>Done (the credit note's number in the message); NotFound; Refused with the API's code.</summary>
    Task<ActionOutcome> RefundAsync(string userId, RefundAsked refund, OperatorAction action, CancellationToken ct);
}
