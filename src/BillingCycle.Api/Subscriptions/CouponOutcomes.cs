using BillingCycle.Api.Infrastructure.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BillingCycle.Api.Subscriptions;

/// <summary>What redeeming a coupon came to (db/functions/coupons.sql, billing_redeem_coupon).</summary>
public enum CouponOutcome { Redeemed, NotFound, Expired, Exhausted, NotApplicable, AlreadyRedeemed, NoSubscription }

/// <summary>The refusals of contract §11.3: parsed once, answered once, for checkout and the live subscription alike.</summary>
public static class CouponOutcomes
{
    /// <summary>A refusal's word, or null for any other word.</summary>
    public static CouponOutcome? Parse(string word) => word switch
    {
        "coupon_not_found" => CouponOutcome.NotFound,
        "coupon_expired" => CouponOutcome.Expired,
        "coupon_exhausted" => CouponOutcome.Exhausted,
        "coupon_not_applicable" => CouponOutcome.NotApplicable,
        "coupon_already_redeemed" => CouponOutcome.AlreadyRedeemed,
        _ => null,
    };

    public static JsonHttpResult<ApiError> Refusal(CouponOutcome outcome) => outcome switch
    {
        CouponOutcome.Expired => Fail.With(409, "This coupon can no longer be redeemed", ErrorCodes.CouponExpired),
        CouponOutcome.Exhausted => Fail.With(409, "This coupon has been redeemed as many times as it may be", ErrorCodes.CouponExhausted),
        CouponOutcome.NotApplicable => Fail.With(409, "This coupon does not apply to this plan", ErrorCodes.CouponNotApplicable),
        CouponOutcome.AlreadyRedeemed => Fail.With(409, "This user has already redeemed this coupon", ErrorCodes.CouponAlreadyRedeemed),
        CouponOutcome.NoSubscription => Fail.With(409, "The subscription is not active", ErrorCodes.SubscriptionNotActive),
        _ => Fail.With(404, "No active coupon with that code", ErrorCodes.CouponNotFound),
    };
}
