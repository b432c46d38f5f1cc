using System.Net;
using BillingCycle.IntegrationTests.Infrastructure;
using BillingCycle.TestSupport;

namespace BillingCycle.IntegrationTests.Console;

/// <summary>
/// The run command's sign-in page and token (contract §9.5): scripts/token.sh signs a local admin's token with
/// the local development key (scripts/local-identity.sh); the service, given its public half as
/// CLERK_JWT_KEY the way run.sh passes it, lets it into the console. And the cookie's Secure flag
/// outside Development.
/// </summary>
public sealed class LocalSignInTests
{
    [Fact]
    public async Task The_run_commands_local_admin_token_signs_in_with_the_local_keys_public_half()
    {
        using var identity = await LocalIdentityScripts.MakeAsync();
        var token = await identity.TokenAsync("user_local_admin", "--admin", "--minutes", "480");

        await using var db = await PostgresServer.CreateDatabaseAsync();
        await using var api = new ApiFactory(db, new ClerkTokens(), new Dictionary<string, string?>
        {
            ["CLERK_JWT_KEY"] = identity.Settings["CLERK_JWT_KEY"],
            ["CLERK_ISSUER"] = identity.Settings["CLERK_ISSUER"],
            ["CLERK_AUTHORIZED_PARTIES"] = identity.Settings["CLERK_AUTHORIZED_PARTIES"],
        });
        using var s = await ConsoleSession.SignInAsync(api, token);
        var (status, html) = await s.GetAsync("/admin");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("user_local_admin", html, StringComparison.Ordinal);

        // A token the local key did not sign is refused: the token is only as good as the key.
        using var other = ConsoleSession.Anonymous(api);
        using var refused = await other.PostSignInAsync(new ClerkTokens().Admin("user_local_admin"));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);

        // A local token without --admin is signed in by nobody: the console is admins only.
        var plain = await identity.TokenAsync("user_demo_ayu");
        using var notAdmin = ConsoleSession.Anonymous(api);
        using var forbidden = await notAdmin.PostSignInAsync(plain);
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
    }

    [Fact]
    public async Task Outside_development_the_session_and_antiforgery_cookies_are_secure()
    {
        var tokens = new ClerkTokens();
        await using var db = await PostgresServer.CreateDatabaseAsync();
        await using var api = new ApiFactory(db, tokens, new Dictionary<string, string?> { ["ASPNETCORE_ENVIRONMENT"] = "Staging" });
        using var s = ConsoleSession.Anonymous(api);
        using var signIn = await s.PostSignInAsync(tokens.Admin("user_operator"));
        Assert.True(signIn.StatusCode == HttpStatusCode.SeeOther, $"{signIn.StatusCode} {await signIn.Content.ReadAsStringAsync()}");
        var session = Assert.Single(signIn.Headers.GetValues("Set-Cookie"), c => c.StartsWith("__session=", StringComparison.Ordinal));
        Assert.Contains("; secure", session, StringComparison.OrdinalIgnoreCase);

        // Antiforgery's cookie is Secure on https (as the console is served in production).
        using var https = new ConsoleSession(api.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { BaseAddress = new Uri("https://localhost") }));
        https.Http.DefaultRequestHeaders.Authorization = new("Bearer", tokens.Admin("user_operator"));
        using var page = await https.Http.GetAsync(new Uri("/admin/jobs", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var antiforgery = Assert.Single(page.Headers.GetValues("Set-Cookie"), c => c.StartsWith(".AspNetCore.Antiforgery", StringComparison.Ordinal));
        Assert.Contains("; secure", antiforgery, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", antiforgery, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("default-src 'none'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
    }
}
