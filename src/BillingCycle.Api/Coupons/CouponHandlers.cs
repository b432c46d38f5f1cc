using BillingCycle.Api.Infrastructure.Http;
using BillingCycle.Api.Infrastructure.Time;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BillingCycle.Api.Coupons;

/// <summary>The admins' coupon endpoints (contract §11.3).</summary>
public static class CouponHandlers
{
    public static async Task<Results<Created<CouponView>, JsonHttpResult<ApiError>>> Create(
        HttpRequest request, CouponStore store, BillingClock clock, CancellationToken ct)
    {
        var (spec, error) = await CouponBody.ReadAsync(request, clock.UtcNow, ct);
        if (error is not null)
        {
            return error;
        }
        return await store.CreateAsync(spec!, CancellationToken.None) is { } coupon
            ? TypedResults.Created($"/api/admin/coupons/{coupon.Id}", coupon)
            : Taken();
    }

    public static async Task<Ok<CouponsAnswer>> List(CouponStore store, CancellationToken ct) =>
        TypedResults.Ok(new CouponsAnswer(await store.ListAsync(ct)));

    public static async Task<Results<Ok<CouponView>, JsonHttpResult<ApiError>>> Deactivate(string id, CouponStore store, CancellationToken ct) =>
        Guid.TryParse(id, out var couponId) && await store.DeactivateAsync(couponId, ct) is { } coupon
            ? TypedResults.Ok(coupon)
            : Fail.With(404, "No coupon with that id", ErrorCodes.CouponNotFound);

    public static JsonHttpResult<ApiError> Taken() =>
        Fail.With(409, "A coupon with this code exists already", ErrorCodes.CouponCodeTaken);
}
