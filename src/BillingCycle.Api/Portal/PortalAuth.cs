using BillingCycle.Api.Infrastructure.Auth;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;

namespace BillingCycle.Api.Portal;

/// <summary>
/// Who a portal request is for (contract §14): the <c>__billing_portal</c> cookie's server-side
/// session, else Clerk's <c>__session</c> cookie when the portal shares the web app's domain,
/// verified by its own JwtBearer scheme with the API's Clerk rules (<see cref="ClerkBearer"/>). That
/// scheme reads only the cookie, so neither a header nor a query can name a user here.
/// </summary>
public static class PortalAuth
{
    public const string Cookie = "__billing_portal";
    public const string ClerkCookie = "__session";
    public const string Scheme = "ClerkPortal";

    public static void AddPortalAuth(this IServiceCollection services)
    {
        services.AddAuthentication().AddJwtBearer(Scheme, _ => { });
        services.AddOptions<JwtBearerOptions>(Scheme).Configure<ClerkBearer>((o, bearer) =>
        {
            bearer.Apply(o);
            o.Events.OnMessageReceived = ctx =>
            {
                if (ctx.Request.Cookies.TryGetValue(ClerkCookie, out var token) && token.Length > 0)
                {
                    ctx.Token = token;
                }
                else
                {
                    ctx.NoResult();
                }
                return Task.CompletedTask;
            };
        });
    }

    /// <summary>The portal session of this browser, or the Clerk user of its <c>__session</c> cookie; null when neither is live.</summary>
    public static async Task<PortalCustomer?> ResolveAsync(HttpContext http, PortalSessionStore sessions, DateTimeOffset now)
    {
        if (http.Request.Cookies.TryGetValue(Cookie, out var session) && PortalTokens.LooksValid(session)
            && await sessions.FindAsync(session, now, http.RequestAborted) is { } customer)
        {
            return customer;
        }
        if (http.Request.Cookies.ContainsKey(ClerkCookie))
        {
            var result = await http.AuthenticateAsync(Scheme);
            if (result.Succeeded && result.Principal?.FindFirst("sub")?.Value is { Length: > 0 } sub)
            {
                return new PortalCustomer(sub, "id", null, ViaClerkCookie: true);
            }
        }
        return null;
    }

    /// <summary>
    /// The cookie lives as long as a session may (Max-Age, on the browser's clock); the session row,
    /// on the billing clock, decides whether it still opens anything.
    /// </summary>
    public static CookieOptions CookieOptions(HttpRequest request, bool live) => new()
    {
        HttpOnly = true,
        Secure = request.IsHttps,
        // Lax: the link arrives as a top-level navigation from the web app, another site.
        SameSite = SameSiteMode.Lax,
        Path = PortalRoutes.Root,
        MaxAge = live ? PortalOptions.SessionLifetime : null,
        IsEssential = true,
    };
}
