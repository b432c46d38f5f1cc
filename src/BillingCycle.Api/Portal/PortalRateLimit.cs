using System.Threading.RateLimiting;
using BillingCycle.Api.Infrastructure.Http;
using BillingCycle.Api.Infrastructure.Time;
using Microsoft.AspNetCore.RateLimiting;

namespace BillingCycle.Api.Portal;

/// <summary>
/// The portal's own bucket per client address (contract §10.4: pay pages and the portal apart from
/// the API), BILLING_PORTAL_RATE_LIMIT_PER_MINUTE; over it, a readable 429 page instead of JSON.
/// </summary>
public sealed class PortalRateLimit(PortalOptions options, CustomerTime zone) : IRateLimiterPolicy<string>
{
    public const string Name = "portal";

    public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected => async (ctx, ct) =>
    {
        var http = ctx.HttpContext;
        http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        http.Response.Headers.RetryAfter = "60";
        PortalRequestFilter.Headers(http.Response);
        var text = PortalText.For(null, zone);
        http.Response.ContentType = "text/html; charset=utf-8";
        // A fixed page: no antiforgery token or session work for a request that is being refused.
        await http.Response.WriteAsync(
            $"<!DOCTYPE html><html lang=\"id\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">" +
            $"<title>{text["rate.title"]}</title><link rel=\"stylesheet\" href=\"{PortalRoutes.Stylesheet}\"></head>" +
            $"<body><main id=\"main\"><h1>{text["rate.title"]}</h1><p>{text["rate.text"]}</p>" +
            $"<p lang=\"en\">{PortalText.English["rate.title"]}. {PortalText.English["rate.text"]}</p></main></body></html>", ct);
    };

    public RateLimitPartition<string> GetPartition(HttpContext httpContext) => RateLimitPartition.GetFixedWindowLimiter(
        "portal:" + RateLimits.ClientAddress(httpContext),
        _ => new FixedWindowRateLimiterOptions { PermitLimit = options.RequestsPerMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 });
}
