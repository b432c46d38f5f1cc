using System.Diagnostics;
using System.Net;
using BillingCycle.IntegrationTests.Infrastructure;
using BillingCycle.TestSupport;

namespace BillingCycle.IntegrationTests.Console;

/// <summary>
/// The run command's sign-in link (SPEC §9.5): scripts/console-token.sh signs a local admin's token
/// with a local key; the service, given the public half as CLERK_JWT_KEY, lets it in. And the
/// cookie's Secure flag outside Development.
/// </summary>
public sealed class LocalSignInTests
{
    private static async Task<string> RunAsync(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = DedicatedPostgres.RepoRoot() };
        using var p = Process.Start(psi)!;
        var output = await p.StandardOutput.ReadToEndAsync();
        var error = await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        Assert.True(p.ExitCode == 0, $"{file} {string.Join(' ', args)}: {error}");
        return output.Trim();
    }

    [Fact]
    public async Task The_run_commands_local_admin_token_signs_in_with_the_local_keys_public_half()
    {
        var dir = Directory.CreateTempSubdirectory("console-key-");
        try
        {
            var key = Path.Combine(dir.FullName, "key.pem");
            await RunAsync("openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", key);
            var publicKey = await RunAsync("openssl", "pkey", "-in", key, "-pubout");
            var token = await RunAsync("bash", Path.Combine("scripts", "console-token.sh"), key, "user_local_admin", "1");

            await using var db = await PostgresServer.CreateDatabaseAsync();
            await using var api = new ApiFactory(db, new ClerkTokens(), new Dictionary<string, string?> { ["CLERK_JWT_KEY"] = publicKey });
            using var s = await ConsoleSession.SignInAsync(api, token);
            var (status, html) = await s.GetAsync("/admin");
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Contains("user_local_admin", html, StringComparison.Ordinal);

            // The same script with another key is refused: the link is only as good as the key.
            using var other = ConsoleSession.Anonymous(api);
            using var refused = await other.Http.GetAsync(new Uri($"/admin/sign-in?token={new ClerkTokens().Admin("user_local_admin")}", UriKind.Relative));
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Outside_development_the_session_and_antiforgery_cookies_are_secure()
    {
        var tokens = new ClerkTokens();
        await using var db = await PostgresServer.CreateDatabaseAsync();
        await using var api = new ApiFactory(db, tokens, new Dictionary<string, string?> { ["ASPNETCORE_ENVIRONMENT"] = "Staging" });
        using var s = ConsoleSession.Anonymous(api);
        using var signIn = await s.Http.GetAsync(new Uri($"/admin/sign-in?token={tokens.Admin("user_operator")}", UriKind.Relative));
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
