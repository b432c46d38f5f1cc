using BillingCycle.Api.Console.Pages;
using BillingCycle.Api.Infrastructure.Auth;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BillingCycle.Api.Console.Handlers;

/// <summary>
/// GET /admin/sign-in shows the form; POST /admin/sign-in (antiforgery, like every console POST)
/// takes a Clerk session token once and keeps exactly that token in the <c>__session</c> cookie
/// (HttpOnly, SameSite=Strict, Secure outside Development; contract §9.1) until it expires. Only
/// an admin's token is kept; it is verified exactly as every console request is. A token in a
/// GET's query is refused: a link must not sign a browser in (login CSRF), and it would stay in
/// the history and in proxies' logs.
/// </summary>
public static class SignInHandlers
{
    public static RazorComponentResult<SignInPage> Form([AsParameters] ConsoleRequest request)
    {
        var http = request.Http;
        return http.Request.Query.ContainsKey("token")
            ? ConsolePage.Render<SignInPage>(new
            {
                View = request.View(),
                Error = "A token in a link is never accepted. Paste the token into this form instead.",
            }, 400)
            : ConsolePage.Render<SignInPage>(new { View = request.View(Notices.For(http.Request.Query["done"].ToString())) });
    }

    public static async Task<Results<SeeOther, RazorComponentResult<SignInPage>, RazorComponentResult<MessagePage>>> SignIn(
        [AsParameters] ConsoleRequest request, IHostEnvironment environment)
    {
        var http = request.Http;
        if (await ConsoleAuth.SignInTokenAsync(http.Request) is not { } token)
        {
            return ConsolePage.Render<SignInPage>(new { View = request.View(), Error = "Paste a Clerk session token." }, 400);
        }
        var result = await ConsoleAuth.AuthenticateAsync(http);
        if (!result.Succeeded || result.Principal is null)
        {
            return ConsolePage.Render<SignInPage>(new
            {
                View = request.View(), Error = "That is not a valid Clerk session token (expired, or not signed by this instance).",
            }, 401);
        }
        if (!result.Principal.IsBillingAdmin())
        {
            return ConsoleAuth.Refusal(403);
        }
        var expires = long.TryParse(result.Principal.FindFirst("exp")?.Value, System.Globalization.CultureInfo.InvariantCulture, out var exp)
            ? DateTimeOffset.FromUnixTimeSeconds(exp) : DateTimeOffset.UtcNow.AddMinutes(5);
        http.Response.Cookies.Append(ConsoleAuth.SessionCookie, token, new CookieOptions
        {
            HttpOnly = true,
            Secure = !environment.IsDevelopment(),
            SameSite = SameSiteMode.Strict,
            Path = ConsoleRoutes.Root,
            Expires = expires,
            IsEssential = true,
        });
        return new SeeOther(ConsoleRoutes.Root);
    }

    public static SeeOther SignOut(HttpContext http, IHostEnvironment environment)
    {
        http.Response.Cookies.Delete(ConsoleAuth.SessionCookie, new CookieOptions
        {
            HttpOnly = true, Secure = !environment.IsDevelopment(), SameSite = SameSiteMode.Strict, Path = ConsoleRoutes.Root,
        });
        return new SeeOther($"{ConsoleRoutes.SignIn}?done=signed_out");
    }

    public static FileContentHttpResult Stylesheet(HttpResponse response)
    {
        response.Headers.CacheControl = "public, max-age=3600";
        response.Headers.XContentTypeOptions = "nosniff";
        return TypedResults.Bytes(ConsoleAssets.Stylesheet, "text/css; charset=utf-8");
    }
}

/// <summary>The console's stylesheet, embedded in the assembly (Console/Assets) and served by the app.</summary>
public static class ConsoleAssets
{
    public static readonly byte[] Stylesheet = Load("console/console.css");

    private static byte[] Load(string name)
    {
        using var s = typeof(ConsoleAssets).Assembly.GetManifestResourceStream(name)
                      ?? throw new InvalidOperationException($"embedded {name} is missing");
        using var m = new MemoryStream();
        s.CopyTo(m);
        return m.ToArray();
    }
}
