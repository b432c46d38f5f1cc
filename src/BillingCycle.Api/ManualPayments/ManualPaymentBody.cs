using System.Globalization;
using System.Text.Json;
using BillingCycle.Api.Infrastructure.Http;
using BillingCycle.Api.Settlement;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BillingCycle.Api.ManualPayments;

/// <summary>The checked fields of POST /api/admin/invoices/{id}/payments (contract §13.1).</summary>
public sealed record ManualPaymentFields(ManualMethod Method, string Reference, long Amount, DateTimeOffset? PaidAt, string Note);

public static class ManualPaymentBody
{
    /// <summary>Each mistake is a 400 with its own code; nothing is read from the database here.</summary>
    public static async Task<(ManualPaymentFields? Fields, JsonHttpResult<ApiError>? Error)> ReadAsync(HttpRequest request, CancellationToken ct)
    {
        var read = await JsonBody.ReadObjectAsync(request, ct);
        if (read.Error is { } error)
        {
            return (null, error);
        }
        using var doc = read.Document!;
        var root = doc.RootElement;
        if (ManualSettlementStore.ParseMethod(root.TryGetProperty("method", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null) is not { } method)
        {
            return Invalid("method must be bank_transfer, cash or other", ErrorCodes.InvalidMethod);
        }
        if (MoneyFields.Text(root, "reference", 200) is not { } reference)
        {
            return Invalid("reference must be the transfer's reference, 1 to 200 characters", ErrorCodes.InvalidReference);
        }
        if (MoneyFields.Amount(root, "amount") is not { } amount)
        {
            return Invalid("amount must be a whole number of rupiah, at least 1", ErrorCodes.InvalidAmount);
        }
        DateTimeOffset? paidAt = null;
        if (root.TryGetProperty("paid_at", out var p) && p.ValueKind != JsonValueKind.Null)
        {
            if (p.ValueKind != JsonValueKind.String || !TryParseInstant(p.GetString(), out var at))
            {
                return Invalid("paid_at must be an ISO-8601 time with an offset, e.g. 2026-11-03T09:30:00+07:00", ErrorCodes.InvalidPaidAt);
            }
            paidAt = at;
        }
        if (MoneyFields.Text(root, "note", MoneyFields.MaxReason) is not { } note)
        {
            return Invalid($"note must say why, 1 to {MoneyFields.MaxReason} characters", ErrorCodes.InvalidReason);
        }
        return (new ManualPaymentFields(method, reference, amount, paidAt, note), null);
    }

    /// <summary>An instant: a time without an offset is refused rather than guessed.</summary>
    public static bool TryParseInstant(string? s, out DateTimeOffset at)
    {
        at = default;
        return s is { Length: > 10 } && (s.EndsWith('Z') || s[^6] is '+' or '-')
            && DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.None, out at);
    }

    private static (ManualPaymentFields?, JsonHttpResult<ApiError>?) Invalid(string message, string code) =>
        (null, Fail.With(400, message, code));
}
