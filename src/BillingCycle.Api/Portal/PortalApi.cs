using BillingCycle.Api.Infrastructure.Http;
using BillingCycle.Api.Portal.Handlers;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace BillingCycle.Api.Portal;

public static class PortalApi
{
    /// <summary>
    /// The customer portal (contract §14): the link API, the session store, its own Clerk cookie
    /// scheme, its rate limit and its server-rendered pages. Every action calls the code the API
    /// calls (Subscriptions/, Tax/, Credits/, the pay now of PayNow); nothing here writes billing state.
    /// </summary>
    public static IHostApplicationBuilder AddPortal(this IHostApplicationBuilder builder)
    {
        var options = PortalOptions.FromConfiguration(builder.Configuration);
        builder.Services.AddSingleton(options);
        builder.Services.AddRazorComponents();
        builder.Services.AddPortalAuth();
        builder.Services.AddSingleton<PortalSessionStore>();
        builder.Services.AddSingleton<PlanPreview>();
        builder.Services.AddSingleton<PortalRequestFilter>();
        builder.Services.AddSingleton<PortalRateLimit>();
        builder.Services.TryAddSingleton<IdempotencyFilter>(); // the pack buy forms' keys, whoever registers it first
        builder.Services.AddRateLimiter(o => o.AddPolicy<string, PortalRateLimit>(PortalRateLimit.Name));
        return builder;
    }

    public static IEndpointRouteBuilder MapPortal(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/portal/sessions", PortalSessionHandlers.Create)
            .WithName("createPortalSession").WithTags("Portal").RequireAuthorization().RequireRateLimiting(RateLimits.PerUser)
            .WithSummary("A single-use link into the customer portal (contract §14).")
            .DocumentsJsonBody<PortalSessionBody>(required: false)
            .ProducesErrors(400, 401, 403, 413, 415, 429);

        app.MapGet(PortalRoutes.Stylesheet, PortalSessionHandlers.Stylesheet).AllowAnonymous().ExcludeFromDescription();
        // The link itself: anyone holding it (it is the credential, once); the same per-address bucket.
        app.MapGet(PortalRoutes.Enter + "/{token}", PortalSessionHandlers.Enter)
            .AllowAnonymous().ExcludeFromDescription().RequireRateLimiting(PortalRateLimit.Name);

        // Everything else: the customer from the session only, antiforgery on every POST (PortalRequestFilter,
        // which does the framework's form check itself, hence DisableAntiforgery), one bucket per address.
        var portal = app.MapGroup(PortalRoutes.Root).WithTags("Portal").ExcludeFromDescription().AllowAnonymous()
            .DisableAntiforgery().RequireRateLimiting(PortalRateLimit.Name).AddEndpointFilter<PortalRequestFilter>();
        portal.MapGet("", OverviewHandlers.Show);
        portal.MapGet("/plans", PlanHandlers.Show);
        portal.MapPost("/plans", PlanHandlers.Choose);
        portal.MapPost("/coupon", PlanHandlers.RedeemCoupon);
        portal.MapGet("/invoices", InvoiceHandlers.List);
        portal.MapPost("/invoices/{id:guid}/pay", InvoiceHandlers.Pay);
        portal.MapGet("/credits", InvoiceHandlers.Credits);
        portal.MapPost("/credits/{id:guid}/buy", PackHandlers.Buy);
        portal.MapGet("/billing-details", BillingDetailsHandlers.Show);
        portal.MapPost("/billing-details", BillingDetailsHandlers.Save);
        portal.MapGet("/cancel", OverviewHandlers.ConfirmCancel);
        portal.MapPost("/cancel", OverviewHandlers.Cancel);
        portal.MapPost("/resume", OverviewHandlers.Resume);
        portal.MapPost("/sign-out", PortalSessionHandlers.SignOut);
        return app;
    }
}
