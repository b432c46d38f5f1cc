using BillingCycle.Api.Console.Pages;
using BillingCycle.Api.Infrastructure.Auth;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BillingCycle.Api.Console;

/// <summary>
/// Who may use the console (contract §9.1): a Clerk session token of an admin (contract §10.1,
/// <see cref="AdminRule"/>), from <c>Authorization: Bearer</c> or Clerk's <c>__session</c> cookie.
/// Its own JwtBearer scheme with the API's verification (<see cref="ClerkBearer"/>): the API itself
/// never reads the cookie, so a cross-site request cannot spend it there. Refusals are HTML pages.
/// </summary>
public static class ConsoleAuth
{
    public const string Scheme = "ClerkConsole";
    public const string Policy = "ConsoleAdmin";
    public const string SessionCookie = "__session";

    public static void AddConsoleAuth(this IServiceCollection services)
    {
        services.AddAuthentication().AddJwtBearer(Scheme, _ => { });
        services.AddOptions<JwtBearerOptions>(Scheme).Configure<ClerkBearer>((o, bearer) =>
        {
            bearer.Apply(o);
            o.Events.OnMessageReceived = ReadTokenAsync;
            o.Events.OnChallenge = async ctx =>
            {
                ctx.HandleResponse();
                ctx.Response.Headers.WWWAuthenticate = "Bearer";
                await Refusal(401).ExecuteAsync(ctx.HttpContext);
            };
            o.Events.OnForbidden = ctx => Refusal(403).ExecuteAsync(ctx.HttpContext);
        });
        services.AddAuthorizationBuilder().AddPolicy(Policy, p => p
            .AddAuthenticationSchemes(Scheme)
            .RequireAuthenticatedUser()
            .RequireClaim(ClerkAuthentication.AdminClaim, "true"));
    }

    /// <summary>
    /// On the sign-in POST, the token in its form and nothing else (what is verified is exactly what
    /// is stored); elsewhere the bearer header when there is one (JwtBearer's own reading), else the
    /// <c>__session</c> cookie. A token in a query string is never read (contract §9.1).
    /// </summary>
    private static async Task ReadTokenAsync(MessageReceivedContext ctx)
    {
        var request = ctx.Request;
        if (request.Path.Equals(ConsoleRoutes.SignIn, StringComparison.Ordinal))
        {
            // No form token: an empty string, so JwtBearer does not fall back to the header either.
            ctx.Token = await SignInTokenAsync(request) ?? "";
            if (ctx.Token.Length == 0)
            {
                ctx.NoResult();
            }
            return;
        }
        if (request.Headers.Authorization.Count > 0)
        {
            return;
        }
        if (request.Cookies.TryGetValue(SessionCookie, out var cookie) && cookie.Length > 0)
        {
            ctx.Token = cookie;
        }
    }

    /// <summary>The token posted to the sign-in form; null on any other request (a GET's query is never read).</summary>
    public static async Task<string?> SignInTokenAsync(HttpRequest request)
    {
        if (HttpMethods.IsPost(request.Method) && request.HasFormContentType)
        {
            var form = await request.ReadFormAsync();
            return form["token"].ToString() is { Length: > 0 } posted ? posted.Trim() : null;
        }
        return null;
    }

    /// <summary>Verifies a token handed to the sign-in page exactly as every console request is verified.</summary>
    public static Task<AuthenticateResult> AuthenticateAsync(HttpContext http) => http.AuthenticateAsync(Scheme);

    public static RazorComponentResult<MessagePage> Refusal(int status) => status == 401
        ? ConsolePage.Message(401, "Sign-in required",
            "The operator console needs a Clerk session token of an admin: sign in, or send it as a bearer token.",
            ConsoleRoutes.SignIn, "Sign in")
        : ConsolePage.Message(403, "Not an operator",
            "This Clerk account is signed in but is not a billing admin (CLERK_ADMIN_ROLE). Ask an admin to grant the role.",
            ConsoleRoutes.SignIn, "Sign in as someone else");
}
