using BillingCycle.Api.Infrastructure.Http;

namespace BillingCycle.Api.Subscriptions;

public static class SubscriptionsApi
{
    /// <summary>Subscriptions the web app starts, changes and lets customers pay (SPEC §7).</summary>
    public static IHostApplicationBuilder AddSubscriptions(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<SubscriptionReader>();
        builder.Services.AddSingleton<LifecycleStore>();
        builder.Services.AddSingleton<PayNow>();
        builder.Services.AddSingleton<IdempotencyFilter>();
        return builder;
    }

    public static IEndpointRouteBuilder MapSubscriptionsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/plans", SubscriptionHandlers.Plans)
            .WithTags("Subscriptions").AllowAnonymous()
            .WithSummary("Active plans, cheapest first.");

        // Clerk session token on everything else; an admin may add user_id to act for another user.
        var subscriptions = app.MapGroup("/api/subscriptions").WithTags("Subscriptions").RequireAuthorization()
            .AddEndpointFilter<IdempotencyFilter>();
        subscriptions.MapPost("/", SubscriptionHandlers.Checkout)
            .WithSummary("Checkout: a new subscription, incomplete until its first invoice is paid.")
            .DocumentsJsonBody<CheckoutBody>()
            .ProducesErrors(400, 401, 403, 404, 409, 413, 415);
        subscriptions.MapGet("/current", SubscriptionHandlers.Current)
            .WithSummary("The live subscription (else the most recent one) and its open invoice.")
            .ProducesErrors(401, 403, 404);
        subscriptions.MapPost("/current/cancel", SubscriptionHandlers.Cancel)
            .WithSummary("Cancel at the end of the period (default) or now.")
            .DocumentsJsonBody<CancelBody>()
            .ProducesErrors(400, 401, 403, 404, 409);
        subscriptions.MapPost("/current/resume", SubscriptionHandlers.Resume)
            .WithSummary("Undo a cancellation scheduled for the end of the period.")
            .ProducesErrors(401, 403, 404, 409);
        subscriptions.MapPost("/current/change-plan", SubscriptionHandlers.ChangePlan)
            .WithSummary("Upgrade (a prorated invoice, applied when paid) or downgrade (at the next renewal).")
            .DocumentsJsonBody<ChangePlanBody>()
            .ProducesErrors(400, 401, 403, 404, 409);

        var invoices = app.MapGroup("/api/invoices").WithTags("Invoices").RequireAuthorization()
            .AddEndpointFilter<IdempotencyFilter>();
        invoices.MapGet("/", InvoiceHandlers.List)
            .WithSummary("The caller's invoices, newest first; pass next_cursor as before for the next page.")
            .ProducesErrors(400, 401, 403);
        invoices.MapGet("/{id}", InvoiceHandlers.Get)
            .WithSummary("One of the caller's invoices (another user's is 404).")
            .ProducesErrors(401, 403, 404);
        invoices.MapPost("/{id}/pay", InvoiceHandlers.Pay)
            .WithSummary("A payment link for an open invoice: its live link, or a new one.")
            .ProducesErrors(401, 403, 404, 409, 429, 503);
        return app;
    }
}
