using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BillingCycle.IntegrationTests.Infrastructure;
using BillingCycle.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Serilog.Core;

namespace BillingCycle.IntegrationTests.LocalDevelopment;

/// <summary>
/// The newcomer's credit calls: run.sh's local key (the settings clerk.env holds) in
/// Development, tokens from scripts/token.sh, verified exactly as Clerk's are.
/// </summary>
public sealed class LocalIdentityTests(DatabaseFixture fx) : IClassFixture<DatabaseFixture>
{
    private static ApiFactory Factory(TestDatabase db, LocalIdentityScripts identity, LogCapture? capture = null) =>
        new(db, new ClerkTokens(), new Dictionary<string, string?>
        {
            // As run.sh exports them from .local/clerk/clerk.env: the key on one line with \n escapes.
            ["CLERK_JWT_KEY"] = identity.Settings["CLERK_JWT_KEY"],
            ["CLERK_ISSUER"] = identity.Settings["CLERK_ISSUER"],
            ["CLERK_AUTHORIZED_PARTIES"] = identity.Settings["CLERK_AUTHORIZED_PARTIES"],
        })
        {
            ExtraServices = capture is null ? null : s => s.AddSingleton<ILogEventSink>(capture),
        };

    [Fact]
    public async Task A_token_sh_token_reads_the_balance_and_only_an_admin_token_changes_another_user_s_credits()
    {
        using var identity = await LocalIdentityScripts.MakeAsync();
        var capture = new LogCapture();
        await using var app = Factory(fx.Db, identity, capture);

        var ayu = app.ClientFor(await identity.TokenAsync("user_demo_ayu"));
        var admin = app.ClientFor(await identity.TokenAsync("admin_local", "--admin"));

        var added = await admin.PostAsJsonAsync("/api/credits/scraper/add", new { amount = 25, user_id = "user_demo_ayu" });
        Assert.Equal(HttpStatusCode.OK, added.StatusCode);
        var selfAdd = await ayu.PostAsJsonAsync("/api/credits/scraper/add", new { amount = 25 });
        Assert.Equal(HttpStatusCode.Forbidden, selfAdd.StatusCode);
        var balance = await (await ayu.GetAsync("/api/credits/balance")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("user_demo_ayu", balance.GetProperty("user_id").GetString());
        Assert.Equal(25, balance.GetProperty("scraper").GetInt64());

        // A token signed by any other key is still refused.
        var forged = await app.ClientFor(ClerkTokens.SignedByAnotherKey("user_demo_ayu")).GetAsync("/api/credits/balance");
        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        Assert.Single(capture.Lines, l => l.Contains("verified with the local development key", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Token_sh_makes_Clerk_s_token_shape_with_numeric_times_and_the_admin_role_in_metadata()
    {
        using var identity = await LocalIdentityScripts.MakeAsync();
        var token = await identity.TokenAsync("user_demo_budi", "--admin", "--minutes", "5");

        var header = LocalIdentityScripts.Part(token, 0);
        var payload = LocalIdentityScripts.Part(token, 1);
        Assert.Equal("RS256", header.GetProperty("alg").GetString());
        Assert.Equal(identity.Settings["LOCAL_CLERK_KID"], header.GetProperty("kid").GetString());
        Assert.Equal("user_demo_budi", payload.GetProperty("sub").GetString());
        Assert.StartsWith("sess_", payload.GetProperty("sid").GetString(), StringComparison.Ordinal);
        Assert.Equal(identity.Settings["CLERK_ISSUER"], payload.GetProperty("iss").GetString());
        Assert.Equal(identity.Settings["CLERK_AUTHORIZED_PARTIES"], payload.GetProperty("azp").GetString());
        var iat = payload.GetProperty("iat").GetInt64();
        Assert.Equal(300, payload.GetProperty("exp").GetInt64() - iat);
        Assert.True(payload.GetProperty("nbf").GetInt64() <= iat);
        Assert.InRange(iat, DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 60, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 5);
        Assert.Equal("admin", payload.GetProperty("metadata").GetProperty("role").GetString());
        Assert.False(payload.TryGetProperty("o", out _), "no organization role: it never makes an admin (contract §10.1)");

        var plain = LocalIdentityScripts.Part(await identity.TokenAsync("user_demo_budi"), 1);
        Assert.False(plain.TryGetProperty("metadata", out _));
        Assert.Equal(3600, plain.GetProperty("exp").GetInt64() - plain.GetProperty("iat").GetInt64());
    }

    [Theory]
    [InlineData("user demo")]
    [InlineData("user\"x")]
    [InlineData("--minutes")]
    public async Task Token_sh_refuses_a_user_id_it_could_not_put_in_JSON_safely(string user)
    {
        using var identity = await LocalIdentityScripts.MakeAsync();
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => identity.TokenAsync(user));
        Assert.Contains("exited 2", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_any_Clerk_key_start_up_says_so_once_and_credit_calls_are_401()
    {
        var capture = new LogCapture();
        await using var app = new ApiFactory(fx.Db, new ClerkTokens(), new Dictionary<string, string?> { ["CLERK_JWT_KEY"] = null })
        {
            ExtraServices = s => s.AddSingleton<ILogEventSink>(capture),
        };
        var res = await app.ClientFor(new ClerkTokens().Issue("user_demo_ayu")).GetAsync("/api/credits/balance");

        Assert.Equal(HttpStatusCode.Unauthorized, res.StatusCode);
        Assert.Single(capture.Lines, l => l.Contains("Clerk is not configured", StringComparison.Ordinal));
    }
}
