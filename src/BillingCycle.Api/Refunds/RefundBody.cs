using BillingCycle.Api.Infrastructure.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BillingCycle.Api.Refunds;

/// <summary>The checked fields of POST /api/admin/invoices/{id}/refunds (contract §13.2).</summary>
public sealed record RefundFields(long Amount, string Reason, bool RevokeCredits, bool CancelSubscription);

public static class RefundBody
{
    /// <summary>Each mistake is a 400 with its own code; the limits that need the invoice are the database's.</summary>
    public static async Task<(RefundFields? Fields, JsonHttpResult<ApiError>? Error)> ReadAsync(HttpRequest request, CancellationToken ct)
    {
        var read = await JsonBody.ReadObjectAsync(request, ct);
        if (read.Error is { } error)
        {
            return (null, error);
        }
        using var doc = read.Document!;
        var root = doc.RootElement;
        if (MoneyFields.Amount(root, "amount") is not { } amount)
        {
            return Invalid("amount must be a whole number of rupiah, at least 1", ErrorCodes.InvalidAmount);
        }
        if (MoneyFields.Text(root, "reason", MoneyFields.MaxReason) is not { } reason)
        {
            return Invalid($"reason must say why, 1 to {MoneyFields.MaxReason} characters", ErrorCodes.InvalidReason);
        }
        var (revoke, revokeOk) = MoneyFields.Flag(root, "revoke_credits");
        var (cancel, cancelOk) = MoneyFields.Flag(root, "cancel_subscription");
        if (!revokeOk || !cancelOk)
        {
            return Invalid("revoke_credits and cancel_subscription must be true or false", ErrorCodes.InvalidRequest);
        }
        return (new RefundFields(amount, reason, revoke, cancel), null);
    }

    private static (RefundFields?, JsonHttpResult<ApiError>?) Invalid(string message, string code) =>
        (null, Fail.With(400, message, code));
}
