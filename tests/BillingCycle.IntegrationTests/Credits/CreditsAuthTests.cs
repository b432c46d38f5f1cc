using System.Net;
using System.Net.Http.Json;
using BillingCycle.IntegrationTests.Infrastructure;
using BillingCycle.TestSupport;

namespace BillingCycle.IntegrationTests.Credits;

public sealed class CreditsAuthTests(CreditsAuthTests.Hosts fx) : IClassFixture<CreditsAuthTests.Hosts>
{
    private static readonly ClerkTokens Tokens = new();

    /// <summary>
    /// One app per distinct set of settings, shared by the class's fifty tests: starting the host
    /// was most of each test's time. Nothing here depends on a fresh host (no per-host counters;
    /// every test uses its own users and asks the shared database only about them).
    /// </summary>
    public sealed class Hosts : IAsyncLifetime
    {
        private readonly Dictionary<string, ApiFactory> _apps = new(StringComparer.Ordinal);

        public TestDatabase Db { get; private set; } = null!;

        public ApiFactory For(Dictionary<string, string?>? settings)
        {
            var key = string.Join("\n", (settings ?? []).OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}"));
            lock (_apps)
            {
                if (!_apps.TryGetValue(key, out var app))
                {
                    _apps[key] = app = new ApiFactory(Db, Tokens, settings);
                }
                return app;
            }
        }

        public async Task InitializeAsync() => Db = await PostgresServer.CreateDatabaseAsync();

        public async Task DisposeAsync()
        {
            foreach (var app in _apps.Values)
            {
                await app.DisposeAsync();
            }
            await Db.DisposeAsync();
        }
    }

    private ApiFactory Factory(Dictionary<string, string?>? settings = null) => fx.For(settings);

    private static Task<HttpResponseMessage> Add(HttpClient c, object body) => c.PostAsJsonAsync("/api/credits/scraper/add", body);

    public static TheoryData<string> RefusedTokens() =>
    [
        "expired", "not_yet_valid", "other_key", "alg_none", "hs256_public_key", "no_sid", "pending_session", "garbage",
        // What Clerk's own verifyToken / authenticateRequest refuse (packages/backend):
        "typ_at_jwt", "typ_application_at_jwt", "typ_lowercase", "cat_jwt_template", "cat_m2m", "cat_unknown", "cat_payload_template",
        "iat_in_the_future", "exp_string", "nbf_string", "iat_string", "exp_missing", "sub_number", "sub_array", "sid_number",
    ];

    private static long Now => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    private static string? Token(string kind, string user) => kind switch
    {
        "expired" => Tokens.Issue(user, new() { MetadataRole = "admin", ExpiresIn = TimeSpan.FromSeconds(-30) }),
        "not_yet_valid" => Tokens.Issue(user, new() { MetadataRole = "admin", NotBeforeOffset = TimeSpan.FromMinutes(2), ExpiresIn = TimeSpan.FromMinutes(5) }),
        "other_key" => ClerkTokens.SignedByAnotherKey(user),
        "alg_none" => ClerkTokens.Unsigned(user),
        "hs256_public_key" => Tokens.Hs256WithPublicKey(user),
        "no_sid" => Tokens.Issue(user, new() { MetadataRole = "admin", Sid = null }),
        "pending_session" => Tokens.Issue(user, new() { MetadataRole = "admin", Status = "pending" }),
        "garbage" => "not.a.jwt",
        "typ_at_jwt" => Tokens.IssueRaw(user, Admin, h => h["typ"] = "at+jwt"),
        "typ_application_at_jwt" => Tokens.IssueRaw(user, Admin, h => h["typ"] = "application/at+jwt"),
        "typ_lowercase" => Tokens.IssueRaw(user, Admin, h => h["typ"] = "jwt"),
        "cat_jwt_template" => Tokens.IssueRaw(user, Admin, h => h["cat"] = "cl_B7d4PD222AAA"),
        "cat_m2m" => Tokens.IssueRaw(user, Admin, h => h["cat"] = "cl_B7d4PD333AAA"),
        "cat_unknown" => Tokens.IssueRaw(user, Admin, h => h["cat"] = "something_else"),
        "cat_payload_template" => Tokens.IssueRaw(user, p => { Admin(p); p["cat"] = "cl_B7d4PD222AAA"; }),
        "iat_in_the_future" => Tokens.IssueRaw(user, p => { Admin(p); p["iat"] = Now + 60; }),
        "exp_string" => Tokens.IssueRaw(user, p => { Admin(p); p["exp"] = (Now + 300).ToString(System.Globalization.CultureInfo.InvariantCulture); }),
        "nbf_string" => Tokens.IssueRaw(user, p => { Admin(p); p["nbf"] = (Now - 10).ToString(System.Globalization.CultureInfo.InvariantCulture); }),
        "iat_string" => Tokens.IssueRaw(user, p => { Admin(p); p["iat"] = (Now - 10).ToString(System.Globalization.CultureInfo.InvariantCulture); }),
        "exp_missing" => Tokens.IssueRaw(user, p => { Admin(p); p.Remove("exp"); }),
        "sub_number" => Tokens.IssueRaw(user, p => { Admin(p); p["sub"] = 12345; }),
        "sub_array" => Tokens.IssueRaw(user, p => { Admin(p); p["sub"] = new System.Text.Json.Nodes.JsonArray(user); }),
        "sid_number" => Tokens.IssueRaw(user, p => { Admin(p); p["sid"] = 7; }),
        _ => null,
    };

    private static void Admin(System.Text.Json.Nodes.JsonObject payload) =>
        payload["metadata"] = new System.Text.Json.Nodes.JsonObject { ["role"] = "admin" };

    public static TheoryData<string> AcceptedSessionTokens() =>
        ["plain", "cat_session", "cat_ignored", "no_typ", "iat_within_skew", "numeric_dates_as_decimals"];

    [Theory]
    [MemberData(nameof(AcceptedSessionTokens))]
    public async Task Session_tokens_as_Clerk_mints_them_are_accepted(string kind)
    {
        var f = Factory();
        var token = kind switch
        {
            "cat_session" => Tokens.IssueRaw("user_ok", Admin, h => h["cat"] = "cl_B7d4PD111AAA"),
            "cat_ignored" => Tokens.IssueRaw("user_ok", Admin, h => h["cat"] = "cl_I7d4PD111III"),
            "no_typ" => Tokens.IssueRaw("user_ok", Admin, h => h.Remove("typ")),
            "iat_within_skew" => Tokens.IssueRaw("user_ok", p => { Admin(p); p["iat"] = Now + 2; }),
            "numeric_dates_as_decimals" => Tokens.IssueRaw("user_ok", p => { Admin(p); p["iat"] = Now - 10.5; p["exp"] = Now + 300.5; }),
            _ => Tokens.IssueRaw("user_ok", Admin),
        };
        Assert.Equal(HttpStatusCode.OK, (await Add(f.ClientFor(token), new { amount = 1 })).StatusCode);
    }

    [Fact]
    public async Task No_token_is_401_with_the_error_shape()
    {
        var f = Factory();
        var res = await Add(f.ClientFor(null), new { amount = 5 });
        Assert.Equal(HttpStatusCode.Unauthorized, res.StatusCode);
        var body = await res.Content.ReadFromJsonAsync<Dictionary<string, string>>();
        Assert.Equal("UNAUTHORIZED", body!["code"]);
    }

    [Theory]
    [MemberData(nameof(RefusedTokens))]
    public async Task Bad_tokens_are_401(string kind)
    {
        var f = Factory();
        var user = "user_refused_" + kind;
        var res = await Add(f.ClientFor(Token(kind, user)), new { amount = 5 });
        Assert.Equal(HttpStatusCode.Unauthorized, res.StatusCode);
        Assert.Equal("UNAUTHORIZED", (await res.Content.ReadFromJsonAsync<Dictionary<string, string>>())!["code"]);
        Assert.Equal(0, await fx.Db.ScalarAsync<long>($"SELECT count(*) FROM credit_transactions WHERE user_id = '{user}'"));
    }

    [Fact]
    public async Task A_token_in_a_cookie_or_query_string_is_not_accepted()
    {
        var f = Factory();
        var c = f.ClientFor(null);
        var token = Tokens.Admin("user_a");
        using var req = new HttpRequestMessage(HttpMethod.Get, $"/api/credits/balance?access_token={token}");
        req.Headers.Add("Cookie", $"__session={token}");
        Assert.Equal(HttpStatusCode.Unauthorized, (await c.SendAsync(req)).StatusCode);
    }

    [Fact]
    public async Task Issuer_and_authorized_party_are_pinned_when_configured()
    {
        var f = Factory(new() { ["CLERK_ISSUER"] = ClerkTokens.DefaultIssuer, ["CLERK_AUTHORIZED_PARTIES"] = "https://other.test, " + ClerkTokens.DefaultParty });
        Assert.Equal(HttpStatusCode.OK, (await Add(f.ClientFor(Tokens.Admin("user_i")), new { amount = 1 })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Add(f.ClientFor(Tokens.Issue("user_i", new() { MetadataRole = "admin", Issuer = "https://evil.test" })), new { amount = 1 })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Add(f.ClientFor(Tokens.Issue("user_i", new() { MetadataRole = "admin", Azp = "https://evil.test" })), new { amount = 1 })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Add(f.ClientFor(Tokens.Issue("user_i", new() { MetadataRole = "admin", Azp = null })), new { amount = 1 })).StatusCode);
    }

    [Fact]
    public async Task A_plain_user_is_forbidden_when_self_service_is_off()
    {
        var f = Factory();
        var res = await Add(f.ClientFor(Tokens.Issue("user_plain")), new { amount = 5 });
        Assert.Equal(HttpStatusCode.Forbidden, res.StatusCode);
        Assert.Equal("FORBIDDEN", (await res.Content.ReadFromJsonAsync<Dictionary<string, string>>())!["code"]);
    }

    [Fact]
    public async Task With_self_service_a_plain_user_may_change_only_their_own_credits()
    {
        var f = Factory(new() { ["CREDITS_SELF_SERVICE"] = "true" });
        var c = f.ClientFor(Tokens.Issue("user_self"));
        Assert.Equal(HttpStatusCode.OK, (await Add(c, new { amount = 7 })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await Add(c, new { amount = 7, user_id = "user_victim" })).StatusCode);
        Assert.Equal(7, await fx.Db.ScalarAsync<long>("SELECT get_credit_balance('user_self', 'scraper')"));
        Assert.Equal(0, await fx.Db.ScalarAsync<long>("SELECT get_credit_balance('user_victim', 'scraper')"));
    }

    private const string AdminOrg = "org_billing_ops";

    [Fact]
    public async Task An_admin_by_metadata_or_by_role_in_the_configured_organization_may_change_any_users_credits()
    {
        var f = Factory(new() { ["CLERK_ADMIN_ORG_ID"] = AdminOrg });
        var byMetadata = f.ClientFor(Tokens.Admin("user_admin"));
        var byOrg = f.ClientFor(Tokens.Issue("user_admin2", new() { OrgRole = "admin", OrgId = AdminOrg }));

        Assert.Equal(HttpStatusCode.OK, (await Add(byMetadata, new { amount = 3 })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Add(byMetadata, new { amount = 4, user_id = "user_other" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Add(byOrg, new { amount = 5, user_id = "user_other" })).StatusCode);

        Assert.Equal(3, await fx.Db.ScalarAsync<long>("SELECT get_credit_balance('user_admin', 'scraper')"));
        Assert.Equal(9, await fx.Db.ScalarAsync<long>("SELECT get_credit_balance('user_other', 'scraper')"));
        Assert.Equal("user_admin", await fx.Db.ScalarAsync<string>(
            "SELECT details->>'actor' FROM billing_logs WHERE event_type = 'credit_add' AND user_id = 'user_other' ORDER BY created_at LIMIT 1"));
    }

    public static TheoryData<string> OutsideAdmins() =>
    [
        "other_org", "other_org_prefixed", "no_org_id", "no_org_id_prefixed", "v1_other_org", "v1_no_org_id",
        "v2_with_v1_claims", "role_member",
    ];

    // Tokens whose holder is an admin of some organization, but not of CLERK_ADMIN_ORG_ID.
    private static string OutsideAdmin(string kind, string userId) => kind switch
    {
        "other_org" => Tokens.Issue(userId, new() { OrgRole = "admin", OrgId = "org_created_by_anyone" }),
        "other_org_prefixed" => Tokens.Issue(userId, new() { OrgRole = "org:admin", OrgId = "org_created_by_anyone" }),
        "no_org_id" => Tokens.Issue(userId, new() { OrgRole = "admin", OrgId = null }),
        "no_org_id_prefixed" => Tokens.Issue(userId, new() { OrgRole = "org:admin", OrgId = null }),
        "v1_other_org" => Tokens.IssueRaw(userId, p => { p.Remove("v"); p["org_id"] = "org_created_by_anyone"; p["org_role"] = "org:admin"; }),
        "v1_no_org_id" => Tokens.IssueRaw(userId, p => { p.Remove("v"); p["org_role"] = "org:admin"; }),
        // Clerk's parser reads only o.* in a version 2 token: top-level org_* there are not Clerk's.
        "v2_with_v1_claims" => Tokens.IssueRaw(userId, p => { p["org_id"] = AdminOrg; p["org_role"] = "org:admin"; }),
        "role_member" => Tokens.Issue(userId, new() { OrgRole = "member", OrgId = AdminOrg }),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    [Theory]
    [MemberData(nameof(OutsideAdmins))]
    public async Task An_admin_of_another_organization_or_of_none_is_forbidden(string kind)
    {
        var f = Factory(new() { ["CLERK_ADMIN_ORG_ID"] = AdminOrg });
        var res = await Add(f.ClientFor(OutsideAdmin(kind, "user_outsider")), new { amount = 5, user_id = "user_victim_" + kind });
        Assert.Equal(HttpStatusCode.Forbidden, res.StatusCode);
        Assert.Equal("FORBIDDEN", (await res.Content.ReadFromJsonAsync<Dictionary<string, string>>())!["code"]);
        Assert.Equal(0, await fx.Db.ScalarAsync<long>($"SELECT get_credit_balance('user_victim_{kind}', 'scraper')"));
    }

    [Fact]
    public async Task Without_CLERK_ADMIN_ORG_ID_no_organization_role_makes_an_admin()
    {
        var f = Factory();
        Assert.Equal(HttpStatusCode.Forbidden,
            (await Add(f.ClientFor(Tokens.Issue("user_o1", new() { OrgRole = "admin", OrgId = "org_1" })), new { amount = 1, user_id = "user_o2" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden,
            (await Add(f.ClientFor(Tokens.IssueRaw("user_o1", p => { p.Remove("v"); p["org_id"] = "org_1"; p["org_role"] = "org:admin"; })), new { amount = 1, user_id = "user_o2" })).StatusCode);
        // metadata.role needs no organization.
        Assert.Equal(HttpStatusCode.OK, (await Add(f.ClientFor(Tokens.Admin("user_o1")), new { amount = 1, user_id = "user_o2" })).StatusCode);
    }

    public static TheoryData<string> InsideAdmins() => ["v2", "v2_prefixed", "v2_role_setting_prefixed", "v1_prefixed", "v1"];

    [Theory]
    [MemberData(nameof(InsideAdmins))]
    public async Task The_configured_organizations_admin_passes_with_or_without_the_org_prefix(string kind)
    {
        var roleSetting = kind == "v2_role_setting_prefixed" ? "org:admin" : "admin";
        var f = Factory(new() { ["CLERK_ADMIN_ORG_ID"] = AdminOrg, ["CLERK_ADMIN_ROLE"] = roleSetting });
        var token = kind switch
        {
            "v2" or "v2_role_setting_prefixed" => Tokens.Issue("user_insider", new() { OrgRole = "admin", OrgId = AdminOrg }),
            "v2_prefixed" => Tokens.Issue("user_insider", new() { OrgRole = "org:admin", OrgId = AdminOrg }),
            "v1_prefixed" => Tokens.IssueRaw("user_insider", p => { p.Remove("v"); p["org_id"] = AdminOrg; p["org_role"] = "org:admin"; }),
            _ => Tokens.IssueRaw("user_insider", p => { p["v"] = 1; p["org_id"] = AdminOrg; p["org_role"] = "admin"; }),
        };
        Assert.Equal(HttpStatusCode.OK, (await Add(f.ClientFor(token), new { amount = 2, user_id = "user_helped_" + kind })).StatusCode);
        Assert.Equal(2, await fx.Db.ScalarAsync<long>($"SELECT get_credit_balance('user_helped_{kind}', 'scraper')"));
    }

    [Fact]
    public async Task The_admin_role_name_comes_from_configuration()
    {
        var f = Factory(new() { ["CLERK_ADMIN_ROLE"] = "billing_admin" });
        Assert.Equal(HttpStatusCode.Forbidden, (await Add(f.ClientFor(Tokens.Admin("user_r")), new { amount = 1 })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Add(f.ClientFor(Tokens.Issue("user_r", new() { MetadataRole = "billing_admin" })), new { amount = 1 })).StatusCode);
    }
}
