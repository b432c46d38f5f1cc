using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BillingCycle.IntegrationTests.Console;
using BillingCycle.IntegrationTests.Subscriptions;

namespace BillingCycle.IntegrationTests.Portal;

/// <summary>The lifecycle world (Starter 49,000, Pro 149,000) plus a way in to the portal as the web app would make one.</summary>
public static class PortalWorld
{
    /// <summary>POST /api/portal/sessions as the user; the answer's status and body.</summary>
    public static async Task<(HttpStatusCode Status, JsonElement Body)> LinkAsync(LifecycleWorld w, string user, object? body = null)
    {
        using var res = await w.As(user).PostAsJsonAsync("/api/portal/sessions", body ?? new { });
        return (res.StatusCode, await res.Content.ReadFromJsonAsync<JsonElement>());
    }

    /// <summary>The link's path (the app's PUBLIC_BASE_URL is not this in-process server).</summary>
    public static string PathOf(JsonElement link) => new Uri(link.GetProperty("url").GetString()!).AbsolutePath;

    /// <summary>A browser that followed a fresh link: it holds the __billing_portal cookie.</summary>
    public static async Task<ConsoleSession> EnterAsync(LifecycleWorld w, string user, object? body = null)
    {
        var (status, link) = await LinkAsync(w, user, body);
        Assert.Equal(HttpStatusCode.Created, status);
        var browser = ConsoleSession.Anonymous(w.H.Api);
        using var res = await browser.Http.GetAsync(PathOf(link));
        Assert.Equal(HttpStatusCode.SeeOther, res.StatusCode);
        Assert.Equal("/portal", res.Headers.Location?.OriginalString);
        return browser;
    }

    /// <summary>Posts a portal form with the antiforgery token of the page that shows it.</summary>
    public static async Task<HttpResponseMessage> PostFormAsync(ConsoleSession browser, string pageWithForm, string action,
        params (string Name, string Value)[] fields) =>
        await browser.PostAsync(action, await browser.FormTokenAsync(pageWithForm), fields);
}
