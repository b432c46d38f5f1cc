using BillingCycle.Api.Infrastructure.Http;

namespace BillingCycle.Api.Webhooks;

public static class WebhooksApi
{
    /// <summary>The iPaymu callback: stored, verified, then confirmed through settlement.</summary>
    public static IHostApplicationBuilder AddWebhooks(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<WebhookEventStore>();
        builder.Services.AddSingleton<CallbackProcessor>();
        return builder;
    }

    public static IEndpointRouteBuilder MapWebhooksApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/billing/webhook", WebhookHandler.Receive).WithName("receiveIpaymuCallback")
            .WithTags("Payments")
            .DocumentsBody<CallbackFields>(true, "application/x-www-form-urlencoded", "application/json")
            .AllowAnonymous()
            // No route-level bucket: only unverified callbacks count, once the processor has read the signature.
            .WithSummary("iPaymu payment callback (form-urlencoded or JSON). Verified by X-Signature and confirmed with check-transaction.")
            .ProducesErrors(400, 401, 413, 429, 503);
        return app;
    }
}
