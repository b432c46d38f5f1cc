using BillingCycle.Api.Console.Seams;
using BillingCycle.Api.Infrastructure.Http;
using BillingCycle.Api.Infrastructure.Time;

namespace BillingCycle.Api.Coupons;

/// <summary>The console's coupons page: the API's rules and store, nothing of its own.</summary>
public sealed class ConsoleCoupons(CouponStore store, BillingClock clock) : ICouponConsole
{
    public async Task<IReadOnlyList<CouponListing>> ListAsync(CancellationToken ct) =>
        [.. (await store.ListAsync(ct)).Select(c => new CouponListing(c.Id, c.Code, c.Name, c.PercentOff, c.AmountOff, c.Duration,
            c.DurationInPeriods, c.TimesRedeemed, c.MaxRedemptions, c.RedeemBy, c.IsActive))];

    public async Task<ActionOutcome> CreateAsync(CouponForm f, CancellationToken ct)
    {
        var (spec, refusal) = CouponRules.Check(f.Code?.Trim(), f.Name, f.PercentOff, f.AmountOff, f.Duration, f.DurationInPeriods,
            f.MaxRedemptions, f.RedeemBy, null, clock.UtcNow);
        if (refusal is not null)
        {
            return new ActionOutcome(ActionStatus.Refused, refusal.Message, refusal.Code);
        }
        var coupon = await store.CreateAsync(spec!, CancellationToken.None);
        return coupon is null
            ? new ActionOutcome(ActionStatus.Refused, CouponHandlers.Taken().Value!.Error, ErrorCodes.CouponCodeTaken)
            : new ActionOutcome(ActionStatus.Done, $"Coupon {coupon.Code} created.");
    }

    public async Task<ActionOutcome> DeactivateAsync(Guid id, CancellationToken ct) =>
        await store.DeactivateAsync(id, CancellationToken.None) is { } coupon
            ? new ActionOutcome(ActionStatus.Done, $"Coupon {coupon.Code} deactivated.")
            : new ActionOutcome(ActionStatus.NotFound, "No coupon with that id.", ErrorCodes.CouponNotFound);
}
