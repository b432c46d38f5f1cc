using System.Net;
using System.Net.Http.Json;
using BillingCycle.IntegrationTests.Infrastructure;
using BillingCycle.TestSupport;

namespace BillingCycle.IntegrationTests.Credits;

public sealed class CreditsAuthTests(DatabaseFixture fx) : IClassFixture<DatabaseFixture>
{
    private static readonly ClerkTokens Tokens = new();

    private ApiFactory Factory(Dictionary<string, string?>? settings = null) => new(fx.Db, Tokens, settings);

    private static Task<HttpResponseMessage> Add(HttpClient c, object body) => c.PostAsJsonAsync("/api/credits/scraper/add", body);

    public static TheoryData<string> RefusedTokens() =>
    [
        "expired", "not_yet_valid", "other_key", "alg_none", "hs256_public_key", "no_sid", "pending_session", "garbage",
    ];

    private static string? Token(string kind) => kind switch
    {
        "expired" => Tokens.Issue("user_a", new() { MetadataRole = "admin", ExpiresIn = TimeSpan.FromSeconds(-30) }),
        "not_yet_valid" => Tokens.Issue("user_a", new() { MetadataRole = "admin", NotBeforeOffset = TimeSpan.FromMinutes(2), ExpiresIn = TimeSpan.FromMinutes(5) }),
        "other_key" => ClerkTokens.SignedByAnotherKey("user_a"),
        "alg_none" => ClerkTokens.Unsigned("user_a"),
        "hs256_public_key" => Tokens.Hs256WithPublicKey("user_a"),
        "no_sid" => Tokens.Issue("user_a", new() { MetadataRole = "admin", Sid = null }),
        "pending_session" => Tokens.Issue("user_a", new() { MetadataRole = "admin", Status = "pending" }),
        "garbage" => "not.a.jwt",
        _ => null,
    };

    [Fact]
    public async Task No_token_is_401_with_the_error_shape()
    {
        await using var f = Factory();
        var res = await Add(f.ClientFor(null), new { amount = 5 });
        Assert.Equal(HttpStatusCode.Unauthorized, res.StatusCode);
        var body = await res.Content.ReadFromJsonAsync<Dictionary<string, string>>();
        Assert.Equal("UNAUTHORIZED", body!["code"]);
    }

    [Theory]
    [MemberData(nameof(RefusedTokens))]
    public async Task Bad_tokens_are_401(string kind)
    {
        await using var f = Factory();
        var res = await Add(f.ClientFor(Token(kind)), new { amount = 5 });
        Assert.Equal(HttpStatusCode.Unauthorized, res.StatusCode);
        Assert.Equal(0, await fx.Db.ScalarAsync<long>("SELECT count(*) FROM credit_transactions WHERE user_id = 'user_a'"));
    }

    [Fact]
    public async Task A_token_in_a_cookie_or_query_string_is_not_accepted()
    {
        await using var f = Factory();
        var c = f.ClientFor(null);
        var token = Tokens.Admin("user_a");
        using var req = new HttpRequestMessage(HttpMethod.Get, $"/api/credits/balance?access_token={token}");
        req.Headers.Add("Cookie", $"__session={token}");
        Assert.Equal(HttpStatusCode.Unauthorized, (await c.SendAsync(req)).StatusCode);
    }

    [Fact]
    public async Task Issuer_and_authorized_party_are_pinned_when_configured()
    {
        await using var f = Factory(new() { ["CLERK_ISSUER"] = ClerkTokens.DefaultIssuer, ["CLERK_AUTHORIZED_PARTIES"] = "https://other.test, " + ClerkTokens.DefaultParty });
        Assert.Equal(HttpStatusCode.OK, (await Add(f.ClientFor(Tokens.Admin("user_i")), new { amount = 1 })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Add(f.ClientFor(Tokens.Issue("user_i", new() { MetadataRole = "admin", Issuer = "https://evil.test" })), new { amount = 1 })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Add(f.ClientFor(Tokens.Issue("user_i", new() { MetadataRole = "admin", Azp = "https://evil.test" })), new { amount = 1 })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Add(f.ClientFor(Tokens.Issue("user_i", new() { MetadataRole = "admin", Azp = null })), new { amount = 1 })).StatusCode);
    }

    [Fact]
    public async Task A_plain_user_is_forbidden_when_self_service_is_off()
    {
        await using var f = Factory();
        var res = await Add(f.ClientFor(Tokens.Issue("user_plain")), new { amount = 5 });
        Assert.Equal(HttpStatusCode.Forbidden, res.StatusCode);
        Assert.Equal("FORBIDDEN", (await res.Content.ReadFromJsonAsync<Dictionary<string, string>>())!["code"]);
    }

    [Fact]
    public async Task With_self_service_a_plain_user_may_change_only_their_own_credits()
    {
        await using var f = Factory(new() { ["CREDITS_SELF_SERVICE"] = "true" });
        var c = f.ClientFor(Tokens.Issue("user_self"));
        Assert.Equal(HttpStatusCode.OK, (await Add(c, new { amount = 7 })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await Add(c, new { amount = 7, user_id = "user_victim" })).StatusCode);
        Assert.Equal(7, await fx.Db.ScalarAsync<long>("SELECT get_credit_balance('user_self', 'scraper')"));
        Assert.Equal(0, await fx.Db.ScalarAsync<long>("SELECT get_credit_balance('user_victim', 'scraper')"));
    }

    [Fact]
    public async Task An_admin_by_metadata_or_organization_role_may_change_any_users_credits()
    {
        await using var f = Factory();
        var byMetadata = f.ClientFor(Tokens.Admin("user_admin"));
        var byOrg = f.ClientFor(Tokens.Issue("user_admin2", new() { OrgRole = "admin" }));

        Assert.Equal(HttpStatusCode.OK, (await Add(byMetadata, new { amount = 3 })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Add(byMetadata, new { amount = 4, user_id = "user_other" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Add(byOrg, new { amount = 5, user_id = "user_other" })).StatusCode);

        Assert.Equal(3, await fx.Db.ScalarAsync<long>("SELECT get_credit_balance('user_admin', 'scraper')"));
        Assert.Equal(9, await fx.Db.ScalarAsync<long>("SELECT get_credit_balance('user_other', 'scraper')"));
        Assert.Equal("user_admin", await fx.Db.ScalarAsync<string>(
            "SELECT details->>'actor' FROM billing_logs WHERE event_type = 'credit_add' AND user_id = 'user_other' ORDER BY created_at LIMIT 1"));
    }

    [Fact]
    public async Task The_admin_role_name_comes_from_configuration()
    {
        await using var f = Factory(new() { ["CLERK_ADMIN_ROLE"] = "billing_admin" });
        Assert.Equal(HttpStatusCode.Forbidden, (await Add(f.ClientFor(Tokens.Admin("user_r")), new { amount = 1 })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Add(f.ClientFor(Tokens.Issue("user_r", new() { MetadataRole = "billing_admin" })), new { amount = 1 })).StatusCode);
    }
}
