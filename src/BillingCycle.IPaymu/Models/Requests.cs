namespace BillingCycle.IPaymu.Models;

/// <summary>Redirect payment (POST /api/v2/payment): the customer picks a channel on iPaymu's page.</summary>
public sealed record RedirectPaymentRequest
{
    public required IReadOnlyList<string> Product { get; init; }
    public required IReadOnlyList<int> Qty { get; init; }
    /// <summary>Whole rupiah per unit.</summary>
    public required IReadOnlyList<long> Price { get; init; }
    public IReadOnlyList<string>? Description { get; init; }
    public required string ReturnUrl { get; init; }
    public required string NotifyUrl { get; init; }
    public required string CancelUrl { get; init; }
    public required string ReferenceId { get; init; }
    public required string BuyerName { get; init; }
    public required string BuyerEmail { get; init; }
    public required string BuyerPhone { get; init; }
    /// <summary>Lifetime of the payment link in hours.</summary>
    public int? Expired { get; init; }
    public string? FeeDirection { get; init; } = "MERCHANT";
    public string? PaymentMethod { get; init; }
}

/// <summary>Direct payment (POST /api/v2/payment/direct): one channel, answered with its payment number.</summary>
public sealed record DirectPaymentRequest
{
    public required string Name { get; init; }
    public required string Phone { get; init; }
    public required string Email { get; init; }
    public required long Amount { get; init; }
    public required string NotifyUrl { get; init; }
    public required string ReferenceId { get; init; }
    public required string PaymentMethod { get; init; }
    public required string PaymentChannel { get; init; }
    public int? Expired { get; init; }
    public string? ExpiredType { get; init; } = "hours";
    public string? FeeDirection { get; init; } = "MERCHANT";
}

/// <summary>History query (POST /api/v2/history); dates are yyyy-MM-dd.</summary>
public sealed record HistoryQuery
{
    public string? Status { get; init; }
    public string? Date { get; init; }
    public string? Startdate { get; init; }
    public string? Enddate { get; init; }
    public int Page { get; init; } = 1;
    public int Limit { get; init; } = 20;
    public string? OrderBy { get; init; }
    public string? Order { get; init; }
}
