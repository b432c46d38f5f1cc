using BillingCycle.Api.Infrastructure.Auth;
using BillingCycle.Api.Infrastructure.Http;

namespace BillingCycle.Api.Subscriptions;

/// <summary>Credit packs (contract §11.4): top-ups bought once, billed by an invoice of their own.</summary>
public static class CreditPacksApi
{
    public static IHostApplicationBuilder AddCreditPacks(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<CreditPackStore>();
        builder.Services.AddSingleton<CreditPackCheckout>();
        return builder;
    }

    public static IEndpointRouteBuilder MapCreditPacksApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/credit-packs", CreditPackHandlers.List)
            .WithName("listCreditPacks").WithTags("Credit packs").AllowAnonymous()
            .WithSummary("Active credit packs, cheapest first.");

        var packs = app.MapGroup("/api/credit-packs").WithTags("Credit packs").RequireAuthorization()
            .AddEndpointFilter<IdempotencyFilter>().DocumentsIdempotencyKey();
        packs.MapPost("/{id}/purchase", CreditPackHandlers.Purchase).WithName("purchaseCreditPack").RequireRateLimiting(RateLimits.PerUser)
            .WithSummary("Buy a credit pack: an invoice of its own (no subscription) and its payment link; credits are added when it is paid.")
            .DocumentsJsonBody<PackPurchaseBody>(required: false)
            .ProducesErrors(400, 401, 403, 404, 409, 413, 415, 429);

        var admin = app.MapGroup("/api/admin/credit-packs").WithTags("Admin").RequireAuthorization()
            .AddEndpointFilter<AdminOnlyFilter>().AddEndpointFilter<IdempotencyFilter>().DocumentsIdempotencyKey();
        admin.MapPost("/", CreditPackHandlers.Create).WithName("createCreditPack")
            .WithSummary("A new credit pack (active unless is_active is false).")
            .DocumentsJsonBody<CreditPackBody>()
            .ProducesErrors(400, 401, 403, 413, 415);
        return app;
    }
}

/// <summary>Request bodies, for the OpenAPI document.</summary>
public sealed record PackPurchaseBody(string? UserId);

public sealed record CreditPackBody(string Name, string CreditType, long Credits, long Price, bool? IsActive);
