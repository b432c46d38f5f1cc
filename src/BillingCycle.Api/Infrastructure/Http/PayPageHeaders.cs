namespace BillingCycle.Api.Infrastructure.Http;

/// <summary>
/// Headers on every pay-page answer, its PDF included (the page shows the buyer's name and email): nothing cached,
/// framed or sent on as a referrer, and on HTML a policy under which no script runs. The page's
/// one style block is inline, hence 'unsafe-inline' for styles only. No form-action: "Bayar
/// sekarang" posts here and is redirected to iPaymu, and browsers hold a redirect after a form to
/// form-action too. A PDF gets no CSP (browsers' PDF viewers do not render under default-src 'none').
/// </summary>
public sealed class PayPageHeaders : IEndpointFilter
{
    public const string ContentSecurityPolicy =
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'";

    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var response = context.HttpContext.Response;
        response.OnStarting(() =>
        {
            var h = response.Headers;
            h.CacheControl = "no-store";
            h.XContentTypeOptions = "nosniff";
            h["Referrer-Policy"] = "no-referrer";
            if (response.ContentType?.StartsWith("text/html", StringComparison.OrdinalIgnoreCase) == true)
            {
                h.ContentSecurityPolicy = ContentSecurityPolicy;
                h.XFrameOptions = "DENY";
            }
            return Task.CompletedTask;
        });
        return next(context);
    }
}
