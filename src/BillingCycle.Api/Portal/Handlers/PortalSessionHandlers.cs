using System.Security.Claims;
using System.Text.Json;
using BillingCycle.Api.Billing;
using BillingCycle.Api.Infrastructure.Auth;
using BillingCycle.Api.Infrastructure.Http;
using BillingCycle.Api.Infrastructure.Time;
using BillingCycle.Api.Portal.Pages;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BillingCycle.Api.Portal.Handlers;

/// <summary>POST /api/portal/sessions: a single-use link into the portal (contract §14).</summary>
public sealed record PortalSessionAnswer(string Url, DateTimeOffset ExpiresAt);

/// <summary>The body, for the OpenAPI document; the handler reads and checks each field itself.</summary>
public sealed record PortalSessionBody(string? ReturnUrl, string? Locale, string? UserId);

public sealed record PortalSessionServices(HttpRequest Request, ClaimsPrincipal User, PortalSessionStore Store, PortalOptions Options,
    BillingOptions Billing, BillingClock Clock, CancellationToken Cancellation);

/// <summary>Getting in and out: the link the web app asks for, the link followed, sign-out.</summary>
public static class PortalSessionHandlers
{
    public static async Task<Results<Created<PortalSessionAnswer>, JsonHttpResult<ApiError>>> Create([AsParameters] PortalSessionServices s)
    {
        string? returnUrl = null, locale = null, requested = null;
        if (s.Request.ContentLength is > 0 || s.Request.Headers.ContainsKey("Transfer-Encoding"))
        {
            var read = await JsonBody.ReadObjectAsync(s.Request, s.Cancellation);
            if (read.Error is { } error)
            {
                return error;
            }
            using var doc = read.Document!;
            (returnUrl, var urlOk) = JsonBody.OptionalString(doc.RootElement, "return_url", ReturnUrl.MaxLength);
            (locale, var localeOk) = JsonBody.OptionalString(doc.RootElement, "locale", 10);
            (requested, var userOk) = JsonBody.OptionalString(doc.RootElement, "user_id", 200);
            if (!localeOk || locale is not (null or "id" or "en") || !userOk)
            {
                return Fail.With(400, !userOk ? "user_id must be a short string" : "locale must be id or en", ErrorCodes.InvalidRequest);
            }
            if (!urlOk || (returnUrl is not null && !ReturnUrl.IsAllowed(returnUrl, s.Billing.AppUrl)))
            {
                return Fail.With(400, "return_url must be an address of the web app (under APP_URL)", ErrorCodes.InvalidReturnUrl);
            }
        }
        if (Actor.For(s.User, requested) is not { } userId)
        {
            return Actor.Refused();
        }
        var token = PortalTokens.New();
        var now = s.Clock.UtcNow;
        var expires = now + s.Options.LinkLifetime;
        await s.Store.CreateLinkAsync(token, userId, locale ?? "id", returnUrl, now, expires, s.Cancellation);
        var origin = s.Billing.PublicBaseUrl ?? new Uri($"{s.Request.Scheme}://{s.Request.Host}");
        return TypedResults.Created((string?)null, new PortalSessionAnswer(new Uri(origin, $"{PortalRoutes.Enter}/{token}").ToString(), expires));
    }

    /// <summary>GET /portal/enter/{token}: spends the link, sets the session cookie, on to /portal; a used or expired link gets a page that says so.</summary>
    public static async Task<Results<PortalRedirect, RazorComponentResult<PortalMessagePage>>> Enter(
        string token, HttpContext http, IAntiforgery antiforgery, PortalSessionStore store, BillingClock clock, CustomerTime zone,
        BillingOptions billing)
    {
        PortalRequestFilter.Headers(http.Response);
        var view = new PortalRequest(http, antiforgery, zone, billing).View();
        if (!PortalTokens.LooksValid(token))
        {
            return PortalPage.Message(404, view, "link.unknown.title", "link.unknown.text");
        }
        var now = clock.UtcNow;
        var session = PortalTokens.New();
        var expires = now + PortalOptions.SessionLifetime;
        if (await store.RedeemAsync(token, session, now, expires, http.RequestAborted) is null)
        {
            return await store.WhyRefusedAsync(token, now, http.RequestAborted) switch
            {
                LinkRefusal.Used => PortalPage.Message(410, view, "link.used.title", "link.used.text"),
                LinkRefusal.Expired => PortalPage.Message(410, view, "link.expired.title", "link.expired.text"),
                _ => PortalPage.Message(404, view, "link.unknown.title", "link.unknown.text"),
            };
        }
        http.Response.Cookies.Append(PortalAuth.Cookie, session, PortalAuth.CookieOptions(http.Request, live: true));
        return PortalRedirect.Local(PortalRoutes.Root);
    }

    /// <summary>POST /portal/sign-out: the session row ends (a copy of the cookie opens nothing after this) and the cookie goes.</summary>
    public static async Task<RazorComponentResult<PortalMessagePage>> SignOut([AsParameters] PortalRequest request, PortalSessionStore store,
        BillingClock clock)
    {
        var http = request.Http;
        var view = request.View() with { SignedIn = false };
        if (http.Request.Cookies.TryGetValue(PortalAuth.Cookie, out var session) && PortalTokens.LooksValid(session))
        {
            await store.EndAsync(session, clock.UtcNow, request.Cancellation);
        }
        http.Response.Cookies.Delete(PortalAuth.Cookie, PortalAuth.CookieOptions(http.Request, live: false));
        return PortalPage.Message(200, view, "signed_out.title", "signed_out.text");
    }

    public static FileContentHttpResult Stylesheet(HttpResponse response)
    {
        response.Headers.CacheControl = "public, max-age=3600";
        response.Headers.XContentTypeOptions = "nosniff";
        return TypedResults.Bytes(PortalAssets.Stylesheet, "text/css; charset=utf-8");
    }
}

/// <summary>The portal's stylesheet, embedded (Portal/Assets) and served by the app: no CDN.</summary>
public static class PortalAssets
{
    public static readonly byte[] Stylesheet = Load("portal/portal.css");

    private static byte[] Load(string name)
    {
        using var s = typeof(PortalAssets).Assembly.GetManifestResourceStream(name)
                      ?? throw new InvalidOperationException($"embedded {name} is missing");
        using var m = new MemoryStream();
        s.CopyTo(m);
        return m.ToArray();
    }
}
