using System.Text.Json;
using BillingCycle.Api.Infrastructure.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BillingCycle.Api.Coupons;

/// <summary>POST /api/admin/coupons: the JSON fields as text, checked by <see cref="CouponRules"/>.</summary>
public static class CouponBody
{
    public static async Task<(CouponSpec? Spec, JsonHttpResult<ApiError>? Error)> ReadAsync(
        HttpRequest request, DateTimeOffset now, CancellationToken ct)
    {
        var read = await JsonBody.ReadObjectAsync(request, ct);
        if (read.Error is { } error)
        {
            return (null, error);
        }
        using var doc = read.Document!;
        var root = doc.RootElement;
        List<string>? planIds = null;
        if (root.TryGetProperty("plan_ids", out var plans) && plans.ValueKind != JsonValueKind.Null)
        {
            if (plans.ValueKind != JsonValueKind.Array)
            {
                return (null, Fail.With(400, "plan_ids must be a list of plan ids", ErrorCodes.InvalidPlan));
            }
            planIds = [.. plans.EnumerateArray().Select(p => p.ValueKind == JsonValueKind.String ? p.GetString() ?? "" : "")];
        }
        var (spec, refusal) = CouponRules.Check(
            Text(root, "code"), Text(root, "name"), Number(root, "percent_off"), Number(root, "amount_off"),
            Text(root, "duration"), Number(root, "duration_in_periods"), Number(root, "max_redemptions"),
            Text(root, "redeem_by"), planIds, now);
        return refusal is null ? (spec, null) : (null, Fail.With(400, refusal.Message, refusal.Code));
    }

    /// <summary>A string property as given (too long or not a string: a value no rule accepts).</summary>
    private static string? Text(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        var (value, ok) = JsonBody.OptionalString(root, name, 1000);
        return ok ? value ?? "" : "\0";
    }

    /// <summary>A number's text as written; anything else present is text no number rule accepts.</summary>
    private static string? Number(JsonElement root, string name) =>
        !root.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null ? null
        : v.ValueKind == JsonValueKind.Number ? v.GetRawText() : "x";
}
