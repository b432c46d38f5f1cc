using System.Text.Json;
using BillingCycle.Api.Coupons;
using BillingCycle.Api.Infrastructure.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BillingCycle.Api.Subscriptions;

/// <summary>The fields of the lifecycle POST bodies, each checked; a mistake is a 400 with its code.</summary>
public sealed record LifecycleBody(Guid? PlanId, string? UserId, bool? AtPeriodEnd, JsonHttpResult<ApiError>? Error)
{
    /// <summary>A coupon code to redeem (checkout, the live subscription; contract §11.3).</summary>
    public string? CouponCode { get; init; }

    /// <summary>Checkout's <c>trial</c> (contract §11.2): true asks for the plan's trial, false declines it.</summary>
    public bool? Trial { get; init; }
}

public static class Body
{
    /// <param name="required">false: an empty body means "all defaults" (cancel, resume).</param>
    public static async Task<LifecycleBody> ReadAsync(HttpRequest request, bool required, CancellationToken ct)
    {
        if (!required && request.ContentLength is 0 or null && !request.Headers.ContainsKey("Transfer-Encoding"))
        {
            return new LifecycleBody(null, null, null, null);
        }
        var read = await JsonBody.ReadObjectAsync(request, ct);
        if (read.Error is { } error)
        {
            return new LifecycleBody(null, null, null, error);
        }
        using var doc = read.Document!;
        var root = doc.RootElement;
        Guid? planId = null;
        if (root.TryGetProperty("plan_id", out var p))
        {
            if (p.ValueKind != JsonValueKind.String || !Guid.TryParse(p.GetString(), out var id))
            {
                return Invalid("plan_id must be the id of a plan", ErrorCodes.InvalidPlan);
            }
            planId = id;
        }
        var (userId, userOk) = JsonBody.OptionalString(root, "user_id", 200);
        if (!userOk)
        {
            return Invalid("user_id must be a short string", ErrorCodes.InvalidRequest);
        }
        bool? atPeriodEnd = null;
        if (root.TryGetProperty("at_period_end", out var a))
        {
            if (a.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            {
                return Invalid("at_period_end must be true or false", ErrorCodes.InvalidRequest);
            }
            atPeriodEnd = a.GetBoolean();
        }
        // A string in a code's shape is looked up (the database answers COUPON_NOT_FOUND); any other
        // string — too long, empty, a control character, a newline — can name no coupon: a 400.
        var (coupon, couponOk) = JsonBody.OptionalString(root, "coupon_code", CouponRules.MaxCodeLength);
        if (!couponOk || (coupon is not null && !CouponRules.IsCode(coupon)))
        {
            return Invalid("coupon_code must be a coupon's code", ErrorCodes.InvalidCouponCode);
        }
        bool? trial = null;
        if (root.TryGetProperty("trial", out var t))
        {
            if (t.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            {
                return Invalid("trial must be true or false", ErrorCodes.InvalidRequest);
            }
            trial = t.GetBoolean();
        }
        return new LifecycleBody(planId, userId, atPeriodEnd, null) { CouponCode = coupon, Trial = trial };
    }

    private static LifecycleBody Invalid(string message, string code) => new(null, null, null, Fail.With(400, message, code));
}
