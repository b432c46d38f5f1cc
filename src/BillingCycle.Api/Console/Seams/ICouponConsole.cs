namespace BillingCycle.Api.Console.Seams;

/// <summary>A coupon as the console lists it (contract §11.3).</summary>
public sealed record CouponListing(
    Guid Id, string Code, string Name, int? PercentOff, long? AmountOff, string Duration, int? DurationInPeriods,
    int TimesRedeemed, int? MaxRedemptions, DateTimeOffset? RedeemBy, bool IsActive);

/// <summary>What an operator types into the "New coupon" form, as typed; checked by the API's own rules.</summary>
public sealed record CouponForm(
    string? Code, string? Name, string? PercentOff, string? AmountOff, string? Duration, string? DurationInPeriods,
    string? MaxRedemptions, string? RedeemBy);

/// <summary>
/// The coupons page (<c>/admin/coupons</c>) through the API's own code: the same checks, refusals and
/// codes as <c>POST /api/admin/coupons</c> and <c>/deactivate</c>. Implemented by Coupons/.
/// </summary>
public interface ICouponConsole
{
    Task<IReadOnlyList<CouponListing>> ListAsync(CancellationToken ct);

    /// <summary>Done; Refused with the API's code (a field's 400 code, or COUPON_CODE_TAKEN).</summary>
    Task<ActionOutcome> CreateAsync(CouponForm form, CancellationToken ct);

    /// <summary>Done; NotFound (COUPON_NOT_FOUND).</summary>
    Task<ActionOutcome> DeactivateAsync(Guid id, CancellationToken ct);
}
