using System.Text.Json;
using System.Text.Json.Nodes;
using BillingCycle.Api.Infrastructure.Auth;

namespace BillingCycle.UnitTests.Auth;

public sealed class SessionTokenRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly long T = Now.ToUnixTimeSeconds();

    private static string? Refusal(Action<JsonObject>? payload = null, Action<JsonObject>? header = null, string[]? parties = null)
    {
        var h = new JsonObject { ["alg"] = "RS256", ["kid"] = "k", ["typ"] = "JWT" };
        var p = new JsonObject
        {
            ["sub"] = "user_1", ["sid"] = "sess_1", ["v"] = 2, ["azp"] = "https://app.test",
            ["iat"] = T - 10, ["nbf"] = T - 10, ["exp"] = T + 60,
        };
        header?.Invoke(h);
        payload?.Invoke(p);
        using var hd = JsonDocument.Parse(h.ToJsonString());
        using var pd = JsonDocument.Parse(p.ToJsonString());
        return SessionTokenRules.Refusal(hd.RootElement, pd.RootElement, Now, parties ?? []);
    }

    [Fact]
    public void A_plain_session_token_passes() => Assert.Null(Refusal());

    [Theory]
    [InlineData("cl_B7d4PD111AAA")]
    [InlineData("cl_I7d4PD111III")]
    public void Session_and_ignored_categories_pass(string cat) => Assert.Null(Refusal(header: h => h["cat"] = cat));

    [Fact]
    public void An_absent_typ_passes_as_in_Clerks_assertHeaderType() => Assert.Null(Refusal(header: h => h.Remove("typ")));

    [Theory]
    [InlineData("at+jwt")]
    [InlineData("application/at+jwt")]
    [InlineData("jwt")]
    [InlineData("JWS")]
    [InlineData("")]
    public void A_typ_other_than_JWT_is_refused(string typ) => Assert.NotNull(Refusal(header: h => h["typ"] = typ));

    [Fact]
    public void A_non_string_typ_is_refused() => Assert.NotNull(Refusal(header: h => h["typ"] = 1));

    [Theory]
    [InlineData("cl_B7d4PD222AAA")]
    [InlineData("cl_B7d4PD333AAA")]
    [InlineData("cl_b7d4pd111aaa")]
    [InlineData("")]
    public void Other_categories_are_refused_in_the_header_or_the_payload(string cat)
    {
        Assert.NotNull(Refusal(header: h => h["cat"] = cat));
        Assert.NotNull(Refusal(payload: p => p["cat"] = cat));
    }

    [Fact]
    public void Iat_in_the_future_is_refused_beyond_the_5_second_skew_only()
    {
        Assert.Null(Refusal(p => p["iat"] = T + 5));
        Assert.NotNull(Refusal(p => p["iat"] = T + 6));
        Assert.Null(Refusal(p => p.Remove("iat")));
    }

    [Fact]
    public void Exp_and_nbf_are_judged_with_the_skew()
    {
        Assert.Null(Refusal(p => p["exp"] = T - 4));
        Assert.NotNull(Refusal(p => p["exp"] = T - 5));
        Assert.Null(Refusal(p => p["nbf"] = T + 5));
        Assert.NotNull(Refusal(p => p["nbf"] = T + 6));
        Assert.Null(Refusal(p => p.Remove("nbf")));
    }

    [Theory]
    [InlineData("exp")]
    [InlineData("nbf")]
    [InlineData("iat")]
    public void Dates_that_are_not_json_numbers_are_refused(string claim)
    {
        Assert.NotNull(Refusal(p => p[claim] = (T + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.NotNull(Refusal(p => p[claim] = null));
        Assert.NotNull(Refusal(p => p[claim] = true));
        Assert.NotNull(Refusal(p => p[claim] = new JsonArray(T)));
    }

    [Fact]
    public void Exp_is_required() => Assert.NotNull(Refusal(p => p.Remove("exp")));

    [Fact]
    public void Sub_must_be_a_non_empty_string()
    {
        Assert.NotNull(Refusal(p => p["sub"] = 42));
        Assert.NotNull(Refusal(p => p["sub"] = new JsonObject { ["id"] = "user_1" }));
        Assert.NotNull(Refusal(p => p["sub"] = ""));
        Assert.NotNull(Refusal(p => p["sub"] = null));
        Assert.NotNull(Refusal(p => p.Remove("sub")));
    }

    [Fact]
    public void Sid_must_be_a_string_and_the_session_not_pending()
    {
        Assert.NotNull(Refusal(p => p.Remove("sid")));
        Assert.NotNull(Refusal(p => p["sid"] = 1));
        Assert.NotNull(Refusal(p => p["sts"] = "pending"));
        Assert.NotNull(Refusal(p => p["sts"] = 0));
        Assert.Null(Refusal(p => p["sts"] = "active"));
    }

    [Fact]
    public void Authorized_parties_when_configured()
    {
        string[] parties = ["https://other.test", "https://app.test"];
        Assert.Null(Refusal(parties: parties));
        Assert.NotNull(Refusal(p => p["azp"] = "https://evil.test", parties: parties));
        Assert.NotNull(Refusal(p => p.Remove("azp"), parties: parties));
        Assert.NotNull(Refusal(p => p["azp"] = new JsonArray("https://app.test"), parties: parties));
        Assert.Null(Refusal(p => p.Remove("azp")));
    }
}
