using BillingCycle.Api.Infrastructure.Http;

namespace BillingCycle.Api.Credits;

public static class CreditsApi
{
    public static IHostApplicationBuilder AddCredits(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton(new CreditsOptions
        {
            SelfService = string.Equals(builder.Configuration["CREDITS_SELF_SERVICE"], "true", StringComparison.OrdinalIgnoreCase),
        });
        builder.Services.AddSingleton<BalanceBatches>();
        builder.Services.AddSingleton<CreditStore>();
        return builder;
    }

    public static IEndpointRouteBuilder MapCreditsApi(this IEndpointRouteBuilder app)
    {
        // Clerk session token required on every credit endpoint.
        var credits = app.MapGroup("/api/credits").WithTags("Credits").RequireAuthorization();

        credits.MapPost("/interaction/reset", CreditHandlers.ResetInteraction).WithName("resetInteractionCredits").RequireRateLimiting(RateLimits.PerUser)
            .AddEndpointFilter<IdempotencyFilter>().DocumentsIdempotencyKey()
            .WithSummary("Set a user's interaction credits to an amount (admin, or self with CREDITS_SELF_SERVICE).")
            .DocumentsJsonBody<CreditChangeBody>()
            .ProducesErrors(400, 401, 403, 409, 413, 415, 429);
        credits.MapPost("/scraper/add", CreditHandlers.AddScraper).WithName("addScraperCredits").RequireRateLimiting(RateLimits.PerUser)
            .AddEndpointFilter<IdempotencyFilter>().DocumentsIdempotencyKey()
            .WithSummary("Add scraper credits to a user (admin, or self with CREDITS_SELF_SERVICE).")
            .DocumentsJsonBody<CreditChangeBody>()
            .ProducesErrors(400, 401, 403, 409, 413, 415, 429);
        credits.MapGet("/balance", CreditHandlers.Balance).WithName("getCreditBalance")
            .WithSummary("The caller's interaction and scraper balances.")
            .ProducesErrors(401);
        credits.MapGet("/transactions", CreditHandlers.Transactions).WithName("listCreditTransactions")
            .WithSummary("The caller's credit ledger, newest first; pass next_cursor as before for the next page.")
            .ProducesErrors(400, 401);
        credits.MapPost("/{creditType}/consume", CreditHandlers.Consume).WithName("consumeCredits").RequireRateLimiting(RateLimits.PerUser)
            .WithSummary("Spend the caller's credits; a repeated reference_id is applied once.")
            .DocumentsJsonBody<CreditConsumeBody>()
            .ProducesErrors(400, 401, 409, 413, 415, 429);
        return app;
    }

    /// <summary>Request shape of reset/add, for the OpenAPI document (the body is validated by hand); only amount is required.</summary>
    public sealed record CreditChangeBody(long Amount, string? ReferenceId = null, string? Description = null, string? UserId = null);

    public sealed record CreditConsumeBody(long Amount, string ReferenceId);
}
