namespace BillingCycle.Api.Webhooks;

/// <summary>
/// The fields of iPaymu's payment callback (ipaymu/PROTOCOL.md), for the OpenAPI document only:
/// the handler keeps the body as it came (form-urlencoded by default, JSON when chosen in
/// iPaymu's dashboard), with any other field, and reads it with IPaymuCallback.
/// </summary>
public sealed record CallbackFields(
    string TrxId, string Sid, string ReferenceId, string Status, string StatusCode, string? TransactionStatusCode,
    string? SubTotal, string? Total, string? Amount, string? Fee, string? PaidOff, string? CreatedAt, string? ExpiredAt,
    string? PaidAt, string? SettlementStatus, string? IsEscrow, string? SystemNotes, string? Via, string? Channel,
    string? PaymentNo, string? BuyerName, string? BuyerEmail, string? BuyerPhone, string? AdditionalInfo, string? Url);
