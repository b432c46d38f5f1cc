using BillingCycle.Api.Infrastructure.Http;

namespace BillingCycle.Api.Subscriptions;

public static class SubscriptionsApi
{
    /// <summary>Subscriptions the web app starts, changes and lets customers pay (contract §7).</summary>
    public static IHostApplicationBuilder AddSubscriptions(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<SubscriptionReader>();
        builder.Services.AddSingleton<LifecycleStore>();
        builder.Services.AddSingleton<YearlyAllowances>();
        builder.Services.AddSingleton<PayNow>();
        builder.Services.AddSingleton<Console.Seams.ISubscriptionActions, ConsoleSubscriptionActions>();
        builder.Services.AddSingleton<IdempotencyFilter>();
        return builder;
    }

    public static IEndpointRouteBuilder MapSubscriptionsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/plans", SubscriptionHandlers.Plans)
            .WithName("listPlans").WithTags("Subscriptions").AllowAnonymous()
            .WithSummary("Active plans, cheapest first.");

        // Clerk session token on everything else; an admin may add user_id to act for another user.
        var subscriptions = app.MapGroup("/api/subscriptions").WithTags("Subscriptions").RequireAuthorization()
            .AddEndpointFilter<IdempotencyFilter>().DocumentsIdempotencyKey();
        subscriptions.MapPost("/", SubscriptionHandlers.Checkout).WithName("createSubscription").RequireRateLimiting(RateLimits.PerUser)
            .WithSummary("Checkout: a new subscription, incomplete until its first invoice is paid, or trialing on a plan with a trial.")
            .DocumentsJsonBody<CheckoutBody>()
            .ProducesErrors(400, 401, 403, 404, 409, 413, 415, 429);
        subscriptions.MapGet("/current", SubscriptionHandlers.Current).WithName("getCurrentSubscription")
            .WithSummary("The live subscription (else the most recent one) and its open invoice.")
            .ProducesErrors(401, 403, 404);
        subscriptions.MapPost("/current/cancel", SubscriptionHandlers.Cancel).WithName("cancelSubscription").RequireRateLimiting(RateLimits.PerUser)
            .WithSummary("Cancel at the end of the period (default) or now.")
            .DocumentsJsonBody<CancelBody>(required: false)
            .ProducesErrors(400, 401, 403, 404, 409, 413, 415, 429);
        subscriptions.MapPost("/current/resume", SubscriptionHandlers.Resume).WithName("resumeSubscription").RequireRateLimiting(RateLimits.PerUser)
            .WithSummary("Undo a cancellation scheduled for the end of the period.")
            .DocumentsJsonBody<ResumeBody>(required: false)
            .ProducesErrors(400, 401, 403, 404, 409, 413, 415, 429);
        subscriptions.MapPost("/current/change-plan", SubscriptionHandlers.ChangePlan).WithName("changePlan").RequireRateLimiting(RateLimits.PerUser)
            .WithSummary("Upgrade (a prorated invoice, applied when paid) or downgrade (at the next renewal).")
            .DocumentsJsonBody<ChangePlanBody>()
            .ProducesErrors(400, 401, 403, 404, 409, 413, 415, 429);

        subscriptions.MapPost("/current/coupon", SubscriptionHandlers.RedeemCoupon).WithName("redeemCoupon").RequireRateLimiting(RateLimits.PerUser)
            .WithSummary("Redeem a coupon on the live subscription: it discounts the invoices made from now on.")
            .DocumentsJsonBody<RedeemCouponBody>()
            .ProducesErrors(400, 401, 403, 404, 409, 413, 415, 429);

        var invoices = app.MapGroup("/api/invoices").WithTags("Invoices").RequireAuthorization()
            .AddEndpointFilter<IdempotencyFilter>().DocumentsIdempotencyKey();
        invoices.MapGet("/", InvoiceHandlers.List).WithName("listInvoices")
            .WithSummary("The caller's invoices, newest first; pass next_cursor as before for the next page.")
            .ProducesErrors(400, 401, 403);
        invoices.MapGet("/{id}", InvoiceHandlers.Get).WithName("getInvoice")
            .WithSummary("One of the caller's invoices (another user's is 404).")
            .ProducesErrors(401, 403, 404);
        invoices.MapPost("/{id}/pay", InvoiceHandlers.Pay).WithName("payInvoice").RequireRateLimiting(RateLimits.PerUser)
            .WithSummary("A payment link for an open invoice: its live link, or a new one.")
            .ProducesErrors(400, 401, 403, 404, 409, 413, 429, 503);
        return app;
    }
}
