namespace BillingCycle.Api.Settlement;

/// <summary>One payment attempt (a row of payments) as settlement sees it.</summary>
public sealed record PaymentAttempt(
    Guid Id, Guid InvoiceId, Guid? SubscriptionId, string UserId, string ReferenceId, string? SessionId,
    string? TransactionId, string Status, long Amount, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt);
