using Microsoft.AspNetCore.Antiforgery;
using BillingCycle.Api.Infrastructure.Time;

namespace BillingCycle.Api.Portal;

/// <summary>What every portal page needs beside its data: the words, the path, a notice, the antiforgery token its forms post back.</summary>
public sealed record PortalView(PortalText Text, string Path, string? Notice, string TokenField, string Token, string? BackToApp, bool SignedIn)
{
    public static PortalView For(HttpContext http, IAntiforgery antiforgery, PortalText text, PortalCustomer? customer, string? notice, string? appUrl)
    {
        var tokens = antiforgery.GetAndStoreTokens(http);
        return new PortalView(text, http.Request.Path.Value ?? PortalRoutes.Root, notice, tokens.FormFieldName, tokens.RequestToken!,
            customer?.ReturnUrl ?? appUrl, customer is not null);
    }
}

/// <summary>The dependencies every portal handler has, bundled for <c>[AsParameters]</c>.</summary>
public readonly record struct PortalRequest(HttpContext Http, IAntiforgery Antiforgery, CustomerTime Zone, Billing.BillingOptions Billing)
{
    /// <summary>Set by <see cref="PortalRequestFilter"/> from the session, before any handler runs.</summary>
    public PortalCustomer Customer => Http.Features.Get<PortalCustomer>()
                                      ?? throw new InvalidOperationException("portal handler without PortalRequestFilter");

    public string UserId => Customer.UserId;

    public PortalText Text => PortalText.For(Http.Features.Get<PortalCustomer>()?.Locale, Zone);

    public CancellationToken Cancellation => Http.RequestAborted;

    /// <summary>The page's view; <paramref name="done"/> is a fixed notice key (?done=…), never text from the URL.</summary>
    public PortalView View(string? done = null)
    {
        var text = Text;
        var notice = done is { Length: > 0 } && text.Words.ContainsKey("done." + done) ? text["done." + done] : null;
        return PortalView.For(Http, Antiforgery, text, Http.Features.Get<PortalCustomer>(), notice, Billing.AppUrl?.ToString());
    }
}
