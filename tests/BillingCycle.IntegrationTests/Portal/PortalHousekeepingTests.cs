using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BillingCycle.IntegrationTests.Subscriptions;
using BillingCycle.TestSupport;

namespace BillingCycle.IntegrationTests.Portal;

/// <summary>Housekeeping deletes portal links and sessions a week past their expiry (PortalOptions.Retention, docs/portal.md), never a live one.</summary>
public sealed class PortalHousekeepingTests
{
    [Fact]
    public async Task Links_and_sessions_a_week_past_their_expiry_are_deleted_and_a_live_session_still_opens_the_portal()
    {
        await using var w = await LifecycleWorld.StartAsync();
        await Seed.UserAsync(w.H.Db, "u_keep");
        var now = w.H.Api.Clock.GetUtcNow();
        // expiredAgo: how long ago the row expired; what: which one it is (kept in return_url), for the checks below.
        foreach (var (what, expiredAgo, used) in new[]
                 {
                     ("link-old-used", TimeSpan.FromDays(8), true), ("link-old-unused", TimeSpan.FromDays(7) + TimeSpan.FromMinutes(1), false),
                     ("link-6d", TimeSpan.FromDays(6), true),
                 })
        {
            await w.H.Db.ExecAsync("""
                INSERT INTO portal_links (token_hash, user_id, created_at, expires_at, used_at, return_url)
                VALUES (sha256(convert_to($1, 'UTF8')), 'u_keep', $2 - interval '5 minutes', $2, CASE WHEN $3 THEN $2 - interval '4 minutes' END, $1)
                """, what, now - expiredAgo, used);
        }
        foreach (var (what, expiredAgo, ended) in new[]
                 {
                     ("session-old-ended", TimeSpan.FromDays(30), true), ("session-old", TimeSpan.FromDays(7) + TimeSpan.FromMinutes(1), false),
                     ("session-ended-yesterday", TimeSpan.FromDays(1), true),
                 })
        {
            await w.H.Db.ExecAsync("""
                INSERT INTO portal_sessions (token_hash, user_id, created_at, expires_at, ended_at, return_url)
                VALUES (sha256(convert_to($1, 'UTF8')), 'u_keep', $2 - interval '1 hour', $2, CASE WHEN $3 THEN $2 - interval '30 minutes' END, $1)
                """, what, now - expiredAgo, ended);
        }
        var browser = await PortalWorld.EnterAsync(w, "u_keep"); // a live link (used) and a live session
        var (_, fresh) = await PortalWorld.LinkAsync(w, "u_keep"); // a live link, not yet followed

        var res = await w.H.Api.Cron().PostAsync("/api/billing/housekeeping", null);

        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        var counts = (await res.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("reconciliation");
        Assert.Equal(2, counts.GetProperty("portal_links_pruned").GetInt32());
        Assert.Equal(2, counts.GetProperty("portal_sessions_pruned").GetInt32());
        Assert.Equal("link-6d", await w.H.Db.ScalarAsync<string>("SELECT string_agg(return_url, ',') FROM portal_links WHERE return_url IS NOT NULL"));
        Assert.Equal(2, await w.H.Db.ScalarAsync<long>("SELECT count(*) FROM portal_links WHERE return_url IS NULL"));
        Assert.Equal("session-ended-yesterday", await w.H.Db.ScalarAsync<string>(
            "SELECT string_agg(return_url, ',') FROM portal_sessions WHERE return_url IS NOT NULL"));
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/portal")).Status);
        using var follow = await BillingCycle.IntegrationTests.Console.ConsoleSession.Anonymous(w.H.Api).Http.GetAsync(PortalWorld.PathOf(fresh));
        Assert.Equal(HttpStatusCode.SeeOther, follow.StatusCode);
    }
}
