using BillingCycle.Api.Infrastructure.Auth;
using BillingCycle.Api.Infrastructure.Http;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace BillingCycle.Api.Coupons;

public static class CouponsApi
{
    /// <summary>Coupons admins create and deactivate (contract §11.3); customers redeem them through Subscriptions/.</summary>
    public static IHostApplicationBuilder AddCoupons(this IHostApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton<IdempotencyFilter>();
        builder.Services.AddSingleton<CouponStore>();
        builder.Services.AddSingleton<Console.Seams.ICouponConsole, ConsoleCoupons>();
        return builder;
    }

    public static IEndpointRouteBuilder MapCouponsApi(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/api/admin/coupons").WithTags("Admin").RequireAuthorization()
            .AddEndpointFilter<AdminOnlyFilter>().AddEndpointFilter<IdempotencyFilter>().DocumentsIdempotencyKey();
        admin.MapPost("/", CouponHandlers.Create).WithName("createCoupon")
            .WithSummary("Create a coupon: exactly one of percent_off and amount_off, a duration, optional limits.")
            .DocumentsJsonBody<CreateCouponBody>()
            .ProducesErrors(400, 401, 403, 409, 413, 415);
        admin.MapGet("/", CouponHandlers.List).WithName("listCoupons")
            .WithSummary("Every coupon, newest first, with how many times each was redeemed.")
            .ProducesErrors(401, 403);
        admin.MapPost("/{id}/deactivate", CouponHandlers.Deactivate).WithName("deactivateCoupon")
            .WithSummary("No new redemptions of this coupon; discounts already running keep running.")
            .ProducesErrors(400, 401, 403, 404, 409);
        return app;
    }
}
