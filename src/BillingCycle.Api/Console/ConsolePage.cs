using BillingCycle.Api.Console.Pages;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BillingCycle.Api.Console;

/// <summary>Console pages as results: a Razor component rendered on the server, as plain HTML.</summary>
public static class ConsolePage
{
    public static RazorComponentResult<TPage> Render<TPage>(object parameters, int status = 200)
        where TPage : Microsoft.AspNetCore.Components.IComponent =>
        new(parameters) { StatusCode = status, PreventStreamingRendering = true, ContentType = "text/html; charset=utf-8" };

    /// <summary>A page that only says something: a refusal, a conflict, a result.</summary>
    public static RazorComponentResult<MessagePage> Message(int status, string title, string text,
        string? linkHref = null, string? linkText = null, ConsoleView? view = null) =>
        Render<MessagePage>(new { Status = status, Title = title, Text = text, LinkHref = linkHref, LinkText = linkText, View = view }, status);
}
