namespace BillingCycle.Api.Coupons;

/// <summary>A coupon as admins see it (contract §11.3), with how many times it was redeemed.</summary>
public sealed record CouponView(
    Guid Id, string Code, string Name, int? PercentOff, long? AmountOff, string Duration, int? DurationInPeriods,
    int? MaxRedemptions, int TimesRedeemed, DateTimeOffset? RedeemBy, IReadOnlyList<Guid>? PlanIds, bool IsActive,
    DateTimeOffset CreatedAt);

public sealed record CouponsAnswer(IReadOnlyList<CouponView> Coupons);

/// <summary>A coupon to create, every field checked (<see cref="CouponRules"/>).</summary>
public sealed record CouponSpec(
    string Code, string Name, int? PercentOff, long? AmountOff, string Duration, int? DurationInPeriods,
    int? MaxRedemptions, DateTimeOffset? RedeemBy, Guid[]? PlanIds);

/// <summary>The body of POST /api/admin/coupons, for the OpenAPI document.</summary>
public sealed record CreateCouponBody(
    string Code, string Name, int? PercentOff, long? AmountOff, string Duration, int? DurationInPeriods,
    int? MaxRedemptions, DateTimeOffset? RedeemBy, Guid[]? PlanIds);
