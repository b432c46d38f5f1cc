using System.Net;
using BillingCycle.IntegrationTests.Infrastructure;
using BillingCycle.TestSupport;

namespace BillingCycle.IntegrationTests.Console;

/// <summary>One app and database for the class: these tests only read, or are refused before acting.</summary>
public sealed class ConsoleAuthFixture : IAsyncLifetime
{
    public BillingHarness H { get; private set; } = null!;
    public string Customer { get; private set; } = "";

    public async Task InitializeAsync()
    {
        H = await BillingHarness.StartAsync();
        (_, Customer) = await H.DueSubscriptionAsync();
    }

    public async Task DisposeAsync() => await H.DisposeAsync();
}

public sealed class ConsoleAuthTests(ConsoleAuthFixture f) : IClassFixture<ConsoleAuthFixture>
{
    private static readonly string Oddity = Guid.NewGuid().ToString();

    public static TheoryData<string> Pages => new()
    {
        "/admin", "/admin/funnel", "/admin/funnel?month=2026-11", "/admin/oddities", "/admin/customers", "/admin/customers?q=user",
        "/admin/customers/{customer}", "/admin/jobs", "/admin/deliveries", "/admin/export", "/admin/export?month=2026-11",
    };

    public static TheoryData<string> Actions => new()
    {
        $"/admin/oddities/{Oddity}/resolve", "/admin/customers/{customer}/cancel-at-period-end", "/admin/customers/{customer}/pay-link",
        "/admin/jobs/renewal/run", "/admin/jobs/retry/run", "/admin/jobs/housekeeping/run", $"/admin/deliveries/{Guid.NewGuid()}/retry",
    };

    private string P(string path) => path.Replace("{customer}", f.Customer, StringComparison.Ordinal);

    [Theory, MemberData(nameof(Pages))]
    public async Task Every_page_is_401_without_a_token_403_for_a_plain_user_and_200_for_an_admin(string page)
    {
        using var nobody = ConsoleSession.Anonymous(f.H.Api);
        using var res = await nobody.Http.GetAsync(new Uri(P(page), UriKind.Relative));
        Assert.Equal(HttpStatusCode.Unauthorized, res.StatusCode);
        Assert.StartsWith("text/html", res.Content.Headers.ContentType!.ToString(), StringComparison.Ordinal);
        Assert.Contains("Sign-in required", await res.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var user = ConsoleSession.WithBearer(f.H.Api, f.H.Api.Tokens.Issue(f.Customer));
        var (userStatus, userHtml) = await user.GetAsync(P(page));
        Assert.Equal(HttpStatusCode.Forbidden, userStatus);
        Assert.Contains("Not an operator", userHtml, StringComparison.Ordinal);

        using var admin = ConsoleSession.WithBearer(f.H.Api, f.H.Api.Tokens.Admin("user_operator"));
        using var ok = await admin.Http.GetAsync(new Uri(P(page), UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }

    [Theory, MemberData(nameof(Actions))]
    public async Task Every_action_is_401_without_a_token_and_403_for_a_plain_user_and_does_nothing(string action)
    {
        // A plain user's form carries a valid antiforgery token of its own: only the role refuses it.
        using var user = ConsoleSession.WithBearer(f.H.Api, f.H.Api.Tokens.Issue(f.Customer));
        var token = ConsoleSession.TokenIn((await user.GetAsync("/admin/sign-in")).Html);
        using var nobody = ConsoleSession.Anonymous(f.H.Api);

        using var anonymous = await nobody.PostAsync(P(action), token, ("reason", "probe"), ("note", "probe"), ("invoice_id", Guid.NewGuid().ToString()));
        using var plain = await user.PostAsync(P(action), token, ("reason", "probe"), ("note", "probe"), ("invoice_id", Guid.NewGuid().ToString()));

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, plain.StatusCode);
        Assert.Equal(0, await f.H.Db.ScalarAsync<long>("SELECT count(*) FROM job_runs"));
        Assert.Equal(0, await f.H.Db.ScalarAsync<long>("SELECT count(*) FROM billing_logs WHERE event_type = 'operator_action'"));
    }

    [Fact]
    public async Task The_session_cookie_signs_in_an_admin_and_a_plain_users_cookie_is_refused()
    {
        using var admin = await ConsoleSession.SignInAsync(f.H.Api, f.H.Api.Tokens.Admin("user_operator"));
        var (status, html) = await admin.GetAsync("/admin");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("user_operator", html, StringComparison.Ordinal);

        using var plain = ConsoleSession.Anonymous(f.H.Api);
        using var refused = await plain.PostSignInAsync(f.H.Api.Tokens.Issue(f.Customer));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.False(refused.Headers.Contains("Set-Cookie") && refused.Headers.GetValues("Set-Cookie").Any(c => c.StartsWith("__session=", StringComparison.Ordinal)));
        Assert.Equal(HttpStatusCode.Unauthorized, (await plain.GetAsync("/admin")).Status);
    }

    [Theory]
    [InlineData("forged")]
    [InlineData("another-key")]
    [InlineData("cron-secret")]
    [InlineData("expired")]
    public async Task A_token_that_is_not_a_valid_admin_session_is_401_by_header_cookie_and_sign_in(string kind)
    {
        var token = kind switch
        {
            "forged" => ClerkTokens.Unsigned("user_operator"),
            "another-key" => ClerkTokens.SignedByAnotherKey("user_operator"),
            "cron-secret" => ApiFactory.CronSecret,
            _ => f.H.Api.Tokens.Issue("user_operator", new ClerkTokens.Options { MetadataRole = "admin", ExpiresIn = TimeSpan.FromMinutes(-2), NotBeforeOffset = TimeSpan.FromMinutes(-10) }),
        };
        using var bearer = ConsoleSession.WithBearer(f.H.Api, token);
        Assert.Equal(HttpStatusCode.Unauthorized, (await bearer.GetAsync("/admin")).Status);

        using var cookie = ConsoleSession.Anonymous(f.H.Api);
        cookie.Http.DefaultRequestHeaders.Add("Cookie", $"__session={token}");
        Assert.Equal(HttpStatusCode.Unauthorized, (await cookie.GetAsync("/admin")).Status);

        using var signIn = ConsoleSession.Anonymous(f.H.Api);
        using var res = await signIn.PostSignInAsync(token);
        Assert.Equal(HttpStatusCode.Unauthorized, res.StatusCode);
    }

    [Fact]
    public async Task The_api_itself_never_takes_the_session_cookie()
    {
        using var s = ConsoleSession.Anonymous(f.H.Api);
        s.Http.DefaultRequestHeaders.Add("Cookie", $"__session={f.H.Api.Tokens.Admin("user_operator")}");
        using var res = await s.Http.GetAsync(new Uri("/api/credits/balance", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Unauthorized, res.StatusCode);
    }

    [Fact]
    public async Task The_sign_in_cookie_is_HttpOnly_SameSite_Strict_scoped_to_the_console_and_lasts_as_long_as_the_token()
    {
        using var s = ConsoleSession.Anonymous(f.H.Api);
        using var res = await s.PostSignInAsync(f.H.Api.Tokens.Admin("user_operator"));
        var cookie = Assert.Single(res.Headers.GetValues("Set-Cookie"), c => c.StartsWith("__session=", StringComparison.Ordinal));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/admin", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("expires=", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("secure", cookie.Replace("samesite", "", StringComparison.OrdinalIgnoreCase), StringComparison.OrdinalIgnoreCase); // Development
        Assert.Equal("/admin", res.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task A_token_in_a_GETs_query_is_refused_with_the_form_and_sets_no_cookie()
    {
        using var s = ConsoleSession.Anonymous(f.H.Api);
        using var res = await s.Http.GetAsync(new Uri($"/admin/sign-in?token={f.H.Api.Tokens.Admin("user_operator")}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, res.StatusCode);
        Assert.False(res.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.Any(c => c.StartsWith("__session=", StringComparison.Ordinal)));
        var html = await res.Content.ReadAsStringAsync();
        Assert.Contains("name=\"token\"", html, StringComparison.Ordinal);
        Assert.Contains("never accepted", html, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, (await s.GetAsync("/admin")).Status);
    }

    [Fact]
    public async Task Sign_in_stores_exactly_the_token_it_verified_not_the_bearer_header_s()
    {
        using var s = ConsoleSession.Anonymous(f.H.Api);
        // An admin's bearer header with a plain user's token in the form: the form's token is the one judged.
        s.Http.DefaultRequestHeaders.Authorization = new("Bearer", f.H.Api.Tokens.Admin("user_operator"));
        using var res = await s.PostSignInAsync(f.H.Api.Tokens.Issue(f.Customer));
        Assert.Equal(HttpStatusCode.Forbidden, res.StatusCode);
        Assert.False(res.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.Any(c => c.StartsWith("__session=", StringComparison.Ordinal)));

        // Without a token in the form nothing is signed in, whatever the header says.
        using var empty = await s.PostSignInAsync("");
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
    }

    [Fact]
    public async Task Sign_in_without_the_forms_antiforgery_token_is_refused_and_sets_no_cookie()
    {
        using var s = ConsoleSession.Anonymous(f.H.Api);
        using var res = await s.PostAsync("/admin/sign-in", null, ("token", f.H.Api.Tokens.Admin("user_operator")));
        Assert.Equal(HttpStatusCode.BadRequest, res.StatusCode);
        Assert.False(res.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.Any(c => c.StartsWith("__session=", StringComparison.Ordinal)));
    }
}
