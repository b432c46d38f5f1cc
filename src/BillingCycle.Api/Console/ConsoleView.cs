using System.Security.Claims;
using BillingCycle.Api.Infrastructure.Auth;
using Microsoft.AspNetCore.Antiforgery;

namespace BillingCycle.Api.Console;

/// <summary>
/// What every console page needs beside its data: who is signed in, the current path (for the
/// navigation), a notice after an action, and the antiforgery token its forms post back (contract
/// §9.1: every POST carries one; ASP.NET Core's antiforgery issues and checks it).
/// </summary>
public sealed record ConsoleView(string? OperatorId, string Path, string? Notice, string TokenField, string Token)
{
    public static ConsoleView For(HttpContext http, IAntiforgery antiforgery, string? notice = null)
    {
        var tokens = antiforgery.GetAndStoreTokens(http);
        var user = http.User.Identity?.IsAuthenticated == true ? http.User.UserId() : null;
        return new ConsoleView(user, http.Request.Path.Value ?? ConsoleRoutes.Root, notice, tokens.FormFieldName, tokens.RequestToken!);
    }

    public bool IsSignedIn => OperatorId is not null;
}

/// <summary>The dependencies every console handler has, bundled for <c>[AsParameters]</c>.</summary>
public readonly record struct ConsoleRequest(HttpContext Http, IAntiforgery Antiforgery)
{
    public ConsoleView View(string? notice = null) => ConsoleView.For(Http, Antiforgery, notice);

    public string OperatorId => Http.User.UserId();

    public ClaimsPrincipal User => Http.User;
}
