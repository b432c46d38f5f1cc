using BillingCycle.Api.Portal.Pages;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BillingCycle.Api.Portal;

/// <summary>Portal pages as results: Razor components rendered on the server as plain HTML.</summary>
public static class PortalPage
{
    public static RazorComponentResult<TPage> Render<TPage>(object parameters, int status = 200)
        where TPage : Microsoft.AspNetCore.Components.IComponent =>
        new(parameters) { StatusCode = status, PreventStreamingRendering = true, ContentType = "text/html; charset=utf-8" };

    /// <summary>A page that only says something (a refusal, a used link, signed out); its words are keys of <see cref="PortalText"/>.</summary>
    public static RazorComponentResult<PortalMessagePage> Message(int status, PortalView view, string titleKey, string textKey) =>
        Render<PortalMessagePage>(new { View = view, Title = view.Text[titleKey], Message = view.Text[textKey] }, status);
}

/// <summary>303 See Other: after a POST the browser GETs the result, so a reload never repeats an action.</summary>
public sealed class PortalRedirect : IResult
{
    private PortalRedirect(string location) => Location = location;

    public string Location { get; }

    /// <summary>A path of this service only (never "//host").</summary>
    public static PortalRedirect Local(string path) => path.StartsWith('/') && !path.StartsWith("//", StringComparison.Ordinal)
        && !path.Contains('\\', StringComparison.Ordinal)
        ? new PortalRedirect(path)
        : throw new ArgumentException("only local paths", nameof(path));

    /// <summary>A payment link iPaymu made for us (PayNow); never a URL from the request.</summary>
    public static PortalRedirect Gateway(string url) => new(url);

    public Task ExecuteAsync(HttpContext httpContext)
    {
        httpContext.Response.StatusCode = StatusCodes.Status303SeeOther;
        httpContext.Response.Headers.Location = Location;
        return Task.CompletedTask;
    }
}
