using System.Text.Json;

namespace BillingCycle.IPaymu.Models;

public sealed record RedirectPaymentResult(string SessionId, string Url, JsonElement Raw);

public sealed record DirectPaymentResult(
    string? SessionId, string TransactionId, string? ReferenceId, string? Via, string? Channel,
    string? PaymentNo, string? PaymentName, long? Total, long? Fee, DateTimeOffset? Expired, JsonElement Raw);

/// <summary>iPaymu transaction status codes.</summary>
public enum TransactionState
{
    Unknown = int.MinValue,
    Expired = -2,
    Pending = 0,
    Success = 1,
    Cancelled = 2,
    Refund = 3,
    Error = 4,
    Failed = 5,
    SuccessUnsettled = 6,
    Escrow = 7,
}

/// <summary>Check-transaction answer (POST /api/v2/transaction).</summary>
public sealed record TransactionStatus(
    string TransactionId, string? SessionId, string? ReferenceId, long? Amount, long? Fee,
    int? StatusCode, string? StatusDesc, string? PaidStatus,
    DateTimeOffset? CreatedDate, DateTimeOffset? SuccessDate, DateTimeOffset? ExpiredDate, JsonElement Raw)
{
    public TransactionState State => StatusCode is { } c && Enum.IsDefined(typeof(TransactionState), c)
        ? (TransactionState)c
        : TransactionState.Unknown;

    /// <summary>
    /// Paid = status 1, 6 or 7 (contract §10.3). PaidStatus alone never counts: a refunded (3) or
    /// cancelled (2) transaction can still say "paid" there.
    /// </summary>
    public bool IsPaid => State is TransactionState.Success or TransactionState.SuccessUnsettled or TransactionState.Escrow;

    /// <summary>Final and unpaid: the attempt has failed.</summary>
    public bool IsFailed => !IsPaid && State is TransactionState.Expired or TransactionState.Cancelled
        or TransactionState.Error or TransactionState.Failed;
}

public sealed record HistoryItem(
    string? TransactionId, string? SessionId, string? ReferenceId, long? Amount, int? StatusCode,
    DateTimeOffset? CreatedDate);

public sealed record HistoryPage(IReadOnlyList<HistoryItem> Items, int Page, int? TotalPages, JsonElement Raw);

public sealed record BalanceResult(string? Va, long? MerchantBalance, long? MemberBalance, JsonElement Raw);
