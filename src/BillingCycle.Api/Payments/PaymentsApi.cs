using BillingCycle.Api.Infrastructure;
using BillingCycle.Api.Infrastructure.Http;
using BillingCycle.IPaymu;

namespace BillingCycle.Api.Payments;

public static class PaymentsApi
{
    /// <summary>The iPaymu client (IPAYMU_* settings) and the callback side.</summary>
    public static IHostApplicationBuilder AddPayments(this IHostApplicationBuilder builder)
    {
        var c = builder.Configuration;
        Uri? baseUrl = null;
        if (c["IPAYMU_BASE_URL"] is { Length: > 0 } raw)
        {
            if (!Uri.TryCreate(raw.Trim(), UriKind.Absolute, out baseUrl)
                || (baseUrl.Scheme != Uri.UriSchemeHttp && baseUrl.Scheme != Uri.UriSchemeHttps)
                || baseUrl.AbsolutePath != "/")
            {
                throw new StartupException("IPAYMU_BASE_URL must be scheme, host and port only, e.g. http://127.0.0.1:9300");
            }
        }
        var sandbox = c["IPAYMU_SANDBOX"] is { Length: > 0 } s
            ? s.Trim().ToLowerInvariant() switch
            {
                "true" or "1" => true,
                "false" or "0" => false,
                _ => throw new StartupException("IPAYMU_SANDBOX must be true or false"),
            }
            : false;

        builder.Services.AddIPaymuClient(o =>
        {
            c.GetSection("IPaymu").Bind(o);
            o.Va = string.IsNullOrWhiteSpace(c["IPAYMU_VA"]) ? o.Va : c["IPAYMU_VA"]!.Trim();
            o.ApiKey = string.IsNullOrWhiteSpace(c["IPAYMU_API_KEY"]) ? o.ApiKey : c["IPAYMU_API_KEY"]!.Trim();
            o.Sandbox = sandbox;
            o.BaseUrl = baseUrl ?? o.BaseUrl;
        });
        builder.Services.AddSingleton<WebhookStore>();
        builder.Services.AddSingleton<PaymentOutcomes>();
        return builder;
    }

    public static IEndpointRouteBuilder MapPaymentsApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/billing/webhook", WebhookHandler.Receive)
            .WithTags("Payments")
            .AllowAnonymous()
            .WithSummary("iPaymu payment callback (form-urlencoded or JSON). Verified by X-Signature and confirmed with check-transaction.")
            .ProducesErrors(400, 401, 413, 503);
        return app;
    }
}
