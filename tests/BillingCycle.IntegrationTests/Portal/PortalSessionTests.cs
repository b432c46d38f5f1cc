using System.Net;
using System.Security.Cryptography;
using System.Text;
using BillingCycle.IntegrationTests.Console;
using BillingCycle.IntegrationTests.Subscriptions;
using BillingCycle.TestSupport;

namespace BillingCycle.IntegrationTests.Portal;

/// <summary>Getting into the portal and out again (contract §14), on the real database with the fake clock.</summary>
public sealed class PortalSessionTests : IAsyncLifetime
{
    private LifecycleWorld _w = null!;

    public async Task InitializeAsync() => _w = await LifecycleWorld.StartAsync();

    public async Task DisposeAsync() => await _w.DisposeAsync();

    [Fact]
    public async Task A_link_opens_one_session_once_and_only_its_hash_is_stored()
    {
        var user = await Seed.UserAsync(_w.H.Db, "u_link");
        var (status, link) = await PortalWorld.LinkAsync(_w, user);
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal(BillingCycle.IntegrationTests.Infrastructure.BillingHarness.Start.AddMinutes(5), link.GetProperty("expires_at").GetDateTimeOffset());
        var url = link.GetProperty("url").GetString()!;
        Assert.StartsWith("https://billing.test/portal/enter/", url, StringComparison.Ordinal);
        var token = url[(url.LastIndexOf('/') + 1)..];
        Assert.Equal(1, await _w.H.Db.ScalarAsync<long>("SELECT count(*) FROM portal_links WHERE token_hash = $1 AND user_id = 'u_link'",
            SHA256.HashData(Encoding.UTF8.GetBytes(token))));
        Assert.Equal(0, await _w.H.Db.ScalarAsync<long>("SELECT count(*) FROM portal_links l WHERE l::text LIKE '%' || $1 || '%'", token));

        // Ten browsers follow the same link at once: the database lets exactly one in.
        var browsers = Enumerable.Range(0, 10).Select(_ => ConsoleSession.Anonymous(_w.H.Api)).ToList();
        var answers = await Task.WhenAll(browsers.Select(b => b.Http.GetAsync(PortalWorld.PathOf(link))));
        Assert.Equal(1, answers.Count(a => a.StatusCode == HttpStatusCode.SeeOther));
        Assert.All(answers.Where(a => a.StatusCode != HttpStatusCode.SeeOther), a => Assert.Equal(HttpStatusCode.Gone, a.StatusCode));
        var winner = answers.Single(a => a.StatusCode == HttpStatusCode.SeeOther);
        var cookie = winner.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("__billing_portal=", StringComparison.Ordinal));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/portal", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(1, await _w.H.Db.ScalarAsync<long>("SELECT count(*) FROM portal_sessions WHERE user_id = 'u_link'"));

        var loser = browsers[answers.ToList().FindIndex(a => a.StatusCode == HttpStatusCode.Gone)];
        var (usedStatus, usedPage) = await loser.GetAsync(PortalWorld.PathOf(link));
        Assert.Equal(HttpStatusCode.Gone, usedStatus);
        Assert.Contains("Tautan sudah dipakai", usedPage, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, (await loser.GetAsync("/portal")).Status);
        var (okStatus, overview) = await browsers[answers.ToList().IndexOf(winner)].GetAsync("/portal");
        Assert.Equal(HttpStatusCode.OK, okStatus);
        Assert.Contains("Anda belum berlangganan", overview, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_expired_link_gets_a_page_and_a_session_ends_after_an_hour_on_the_billing_clock()
    {
        var user = await Seed.UserAsync(_w.H.Db, "u_late");
        var (_, link) = await PortalWorld.LinkAsync(_w, user);
        _w.H.Api.Clock.Advance(TimeSpan.FromMinutes(5));
        var browser = ConsoleSession.Anonymous(_w.H.Api);
        var (status, page) = await browser.GetAsync(PortalWorld.PathOf(link));
        Assert.Equal(HttpStatusCode.Gone, status);
        Assert.Contains("Tautan kedaluwarsa", page, StringComparison.Ordinal);
        Assert.Equal(0, await _w.H.Db.ScalarAsync<long>("SELECT count(*) FROM portal_sessions"));

        var inside = await PortalWorld.EnterAsync(_w, user);
        Assert.Equal(HttpStatusCode.OK, (await inside.GetAsync("/portal")).Status);
        _w.H.Api.Clock.Advance(TimeSpan.FromMinutes(59));
        Assert.Equal(HttpStatusCode.OK, (await inside.GetAsync("/portal")).Status);
        _w.H.Api.Clock.Advance(TimeSpan.FromMinutes(1));
        var (after, expired) = await inside.GetAsync("/portal");
        Assert.Equal(HttpStatusCode.Unauthorized, after);
        Assert.Contains("Sesi berakhir", expired, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync("/portal/enter/not-a-token")).Status);
    }

    [Fact]
    public async Task Sign_out_ends_the_session_so_a_copy_of_the_cookie_replayed_later_opens_nothing()
    {
        await Seed.UserAsync(_w.H.Db, "u_out");
        using var raw = _w.H.Api.CreateClient(new() { AllowAutoRedirect = false, HandleCookies = false });
        var (_, link) = await PortalWorld.LinkAsync(_w, "u_out", new { locale = "en" });
        using var entered = await raw.GetAsync(PortalWorld.PathOf(link));
        var session = CookieValue(entered, "__billing_portal=");

        using var page = await SendAsync(raw, HttpMethod.Get, "/portal", $"__billing_portal={session}");
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("You have no subscription yet", html, StringComparison.Ordinal);
        var antiforgery = page.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(".AspNetCore.Antiforgery", StringComparison.Ordinal));
        var cookies = $"__billing_portal={session}; {antiforgery[..antiforgery.IndexOf(';', StringComparison.Ordinal)]}";

        using var signOut = await SendAsync(raw, HttpMethod.Post, "/portal/sign-out", cookies,
            new FormUrlEncodedContent([new("__RequestVerificationToken", ConsoleSession.TokenIn(html)!)]));
        Assert.Equal(HttpStatusCode.OK, signOut.StatusCode);
        Assert.Contains("You are signed out", await signOut.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains(signOut.Headers.GetValues("Set-Cookie"), c => c.StartsWith("__billing_portal=;", StringComparison.Ordinal));
        Assert.Equal(1, await _w.H.Db.ScalarAsync<long>("SELECT count(*) FROM portal_sessions WHERE user_id = 'u_out' AND ended_at IS NOT NULL"));

        // The old cookie, kept by another browser (or copied by someone), replayed after sign-out.
        using var replayed = await SendAsync(raw, HttpMethod.Get, "/portal", $"__billing_portal={session}");
        Assert.Equal(HttpStatusCode.Unauthorized, replayed.StatusCode);
        Assert.Contains("Sesi berakhir", await replayed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var replayedPost = await SendAsync(raw, HttpMethod.Post, "/portal/cancel", cookies,
            new FormUrlEncodedContent([new("__RequestVerificationToken", ConsoleSession.TokenIn(html)!)]));
        Assert.Equal(HttpStatusCode.Unauthorized, replayedPost.StatusCode);
    }

    private static string CookieValue(HttpResponseMessage res, string prefix)
    {
        var set = res.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(prefix, StringComparison.Ordinal));
        return set[prefix.Length..set.IndexOf(';', StringComparison.Ordinal)];
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string path, string cookies, HttpContent? body = null)
    {
        using var req = new HttpRequestMessage(method, path) { Content = body };
        req.Headers.Add("Cookie", cookies);
        return await client.SendAsync(req);
    }

    [Theory]
    [InlineData("https://evil.example/billing")]
    [InlineData("javascript:alert(1)")]
    [InlineData("https://app.billing.test@evil.example/")]
    [InlineData("https://app.billing.test.evil.example/")]
    [InlineData("//evil.example/")]
    [InlineData("http://app.billing.test/billing")]
    [InlineData("https://app.billing.test:8443/billing")]
    [InlineData("/billing")]
    public async Task A_return_url_outside_the_app_is_refused_and_no_link_is_made(string returnUrl)
    {
        var (status, body) = await PortalWorld.LinkAsync(_w, "u_return", new { return_url = returnUrl });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("INVALID_RETURN_URL", body.GetProperty("code").GetString());
        Assert.Equal(0, await _w.H.Db.ScalarAsync<long>("SELECT count(*) FROM portal_links"));
    }

    [Fact]
    public async Task A_return_url_in_the_app_is_the_way_back_and_a_bad_locale_or_no_token_is_refused()
    {
        await Seed.UserAsync(_w.H.Db, "u_back");
        var browser = await PortalWorld.EnterAsync(_w, "u_back", new { return_url = "https://app.billing.test/settings?tab=billing" });
        var (_, page) = await browser.GetAsync("/portal");
        Assert.Contains("href=\"https://app.billing.test/settings?tab=billing\"", page, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, (await PortalWorld.LinkAsync(_w, "u_back", new { locale = "fr" })).Status);
        using var anonymous = _w.H.Api.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsync("/api/portal/sessions", null)).StatusCode);
    }

    [Fact]
    public async Task Clerk_s_session_cookie_is_accepted_on_the_app_s_domain_but_a_token_signed_by_another_key_is_not()
    {
        await _w.CheckoutAsync("u_clerk", _w.Starter);
        using var client = _w.H.Api.CreateClient(new() { AllowAutoRedirect = false, HandleCookies = false });
        using var good = new HttpRequestMessage(HttpMethod.Get, "/portal");
        good.Headers.Add("Cookie", $"__session={_w.H.Api.Tokens.Issue("u_clerk")}");
        using var ok = await client.SendAsync(good);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Contains("Starter", await ok.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var bad = new HttpRequestMessage(HttpMethod.Get, "/portal");
        bad.Headers.Add("Cookie", $"__session={ClerkTokens.SignedByAnotherKey("u_clerk")}");
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(bad)).StatusCode);
        // A bearer header alone names nobody here: the portal reads only its cookies.
        using var bearer = _w.H.Api.ClientFor(_w.H.Api.Tokens.Issue("u_clerk"));
        Assert.Equal(HttpStatusCode.Unauthorized, (await bearer.GetAsync("/portal")).StatusCode);
    }
}
