using BillingCycle.Api.Infrastructure.Time;
using Microsoft.AspNetCore.Antiforgery;

namespace BillingCycle.Api.Portal;

/// <summary>
/// Every signed-in portal route: the headers (no script, no framing, no caching, no referrer), the
/// customer from the session (contract §14; a 401 page without one), and ASP.NET Core's
/// antiforgery check on every POST (a 400 page that changes nothing).
/// </summary>
public sealed class PortalRequestFilter(IAntiforgery antiforgery, PortalSessionStore sessions, BillingClock clock, CustomerTime zone,
    Billing.BillingOptions billing) : IEndpointFilter
{
    // No form-action: "Bayar" posts here and is redirected to iPaymu, and browsers hold a redirect after a form to form-action too.
    public const string ContentSecurityPolicy =
        "default-src 'none'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'";

    public static void Headers(HttpResponse response)
    {
        var h = response.Headers;
        h.ContentSecurityPolicy = ContentSecurityPolicy;
        h.XContentTypeOptions = "nosniff";
        h.XFrameOptions = "DENY";
        h["Referrer-Policy"] = "no-referrer";
        h.CacheControl = "no-cache, no-store";
        h.Pragma = "no-cache";
    }

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        Headers(http.Response);
        var request = new PortalRequest(http, antiforgery, zone, billing);
        if (await PortalAuth.ResolveAsync(http, sessions, clock.UtcNow) is not { } customer)
        {
            return PortalPage.Message(401, request.View(), "signin.title", "signin.text");
        }
        http.Features.Set(customer);
        if (!HttpMethods.IsGet(http.Request.Method) && !HttpMethods.IsHead(http.Request.Method)
            && !await antiforgery.IsRequestValidAsync(http))
        {
            return PortalPage.Message(400, request.View(), "refused.form.title", "refused.form");
        }
        return await next(context);
    }
}
