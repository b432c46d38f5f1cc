using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BillingCycle.IntegrationTests.Infrastructure;
using BillingCycle.TestSupport;

namespace BillingCycle.IntegrationTests.Deliveries;

/// <summary>Events to the web app (contract §8.4) received by a real HTTP receiver that checks signatures itself.</summary>
public sealed class AppWebhookTests
{
    private static async Task<HttpStatusCode> ActAsync(BillingHarness h, Guid sub, string action, int attempt = 1)
    {
        var reference = await h.InvoiceReferenceAsync(sub, attempt);
        return (await h.DeliverAsync(h.StandIn.Act(reference, action))).StatusCode;
    }

    [Fact]
    public async Task Every_event_of_a_paid_renewal_a_failed_payment_and_a_cancellation_arrives_signed()
    {
        await using var app = await HttpTestReceiver.StartAsync();
        await using var h = await BillingHarness.StartAsync(DeliveryKit.Webhooks(app));
        var (paid, _) = await h.DueSubscriptionAsync();
        var (failed, _) = await h.DueSubscriptionAsync();
        var (leaving, _) = await h.DueSubscriptionAsync(cancelAtPeriodEnd: true);

        await h.RenewAsync();
        Assert.Equal(HttpStatusCode.OK, await ActAsync(h, paid, "pay"));
        Assert.Equal(HttpStatusCode.OK, await ActAsync(h, failed, "expire"));

        var expected = await h.Db.ScalarAsync<long>("SELECT count(*) FROM events");
        Assert.True(await DeliveryKit.ReachesAsync(() => app.Requests.Count >= expected), await h.Db.ScalarAsync<string>(
            "SELECT string_agg(d.status || ' ' || d.attempts || ' ' || coalesce(d.last_error, '') || ' ' || e.type, '; ') FROM events e LEFT JOIN deliveries d ON d.event_id = e.id"));
        Assert.Equal(expected, await DeliveryKit.CountReachesAsync(h.Db, "SELECT count(*) FROM deliveries WHERE status = 'sent'", expected));

        var received = app.Requests.ToList();
        Assert.All(received, r => Assert.Null(StandardWebhooksReference.Refusal(DeliveryKit.WebhookSecret, r, DateTimeOffset.UtcNow)));
        var bodies = received.Select(r => (Id: r.Headers["webhook-id"], Body: JsonDocument.Parse(r.Body).RootElement)).ToList();
        Assert.Equal(received.Count, bodies.Select(b => b.Id).Distinct().Count());
        var events = await h.Db.ListAsync<string>("SELECT id::text || ' ' || type FROM events");
        Assert.Equal(events.Order(), bodies.Select(b => b.Id + " " + b.Body.GetProperty("type").GetString()).Order());

        // data is {object, previous?}: the API's own object (contract §15.1), found by its id.
        string[] TypesOf(Guid id) => bodies.Where(b => b.Body.GetProperty("data").GetProperty("object").GetProperty("id").GetString() == id.ToString())
            .Select(b => b.Body.GetProperty("type").GetString()!).Order().ToArray();
        Task<Guid> InvoiceOf(Guid sub) => h.Db.ScalarAsync<Guid>("SELECT id FROM invoices WHERE subscription_id = $1", sub);
        Assert.Equal(["invoice.created", "invoice.paid"], TypesOf(await InvoiceOf(paid)));
        Assert.Equal(["subscription.created", "subscription.renewed"], TypesOf(paid));
        Assert.Equal(["invoice.created", "invoice.payment_failed"], TypesOf(await InvoiceOf(failed)));
        Assert.Equal(["subscription.created", "subscription.past_due"], TypesOf(failed));
        Assert.Equal(["subscription.canceled", "subscription.created"], TypesOf(leaving));
        var invoice = await InvoiceOf(paid);
        var grants = bodies.Where(b => b.Body.GetProperty("type").GetString() == "credits.granted")
            .Select(b => b.Body.GetProperty("data").GetProperty("object")).ToList();
        Assert.Equal(["interaction/reset/1000", "scraper/add/500"], grants
            .Where(g => g.GetProperty("reference_id").GetString() == invoice.ToString())
            .Select(g => $"{g.GetProperty("credit_type").GetString()}/{g.GetProperty("kind").GetString()}/{g.GetProperty("amount").GetInt64()}").Order());

        var renewed = bodies.Single(b => b.Body.GetProperty("type").GetString() == "subscription.renewed").Body;
        Assert.Equal("active", renewed.GetProperty("data").GetProperty("object").GetProperty("status").GetString());
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero),
            renewed.GetProperty("data").GetProperty("object").GetProperty("current_period_end").GetDateTimeOffset());
        Assert.True(DateTimeOffset.TryParse(renewed.GetProperty("timestamp").GetString(), CultureInfo.InvariantCulture, DateTimeStyles.None, out var at));
        Assert.Equal(h.Api.Clock.GetUtcNow(), at);
    }

    [Fact]
    public async Task A_receiver_answering_500_twice_then_200_gets_the_event_on_the_third_try_with_the_same_webhook_id()
    {
        await using var app = await HttpTestReceiver.StartAsync();
        await using var h = await BillingHarness.StartAsync(DeliveryKit.Webhooks(app));
        var tries = 0;
        app.Answer = _ => Interlocked.Increment(ref tries) <= 2 ? 500 : 200;

        var user = await Seed.UserAsync(h.Db);
        await h.Db.ExecAsync("SELECT reset_interaction_credits($1, 100, 'grant-1', 'Operator grant', $2)", user, h.Api.Clock.GetUtcNow());
        var eventId = await h.Db.ScalarAsync<Guid>("SELECT id FROM events");

        Assert.True(await DeliveryKit.ReachesAsync(() => app.Requests.Count == 1));
        var firstRetryAt = h.Api.Clock.GetUtcNow().AddSeconds(5).UtcDateTime;
        Assert.True(await Eventually.TrueAsync(async () => await h.Db.ScalarAsync<string>("SELECT last_error FROM deliveries") == "HTTP 500"
            && await h.Db.ScalarAsync<DateTime>("SELECT next_attempt_at FROM deliveries") == firstRetryAt));
        h.Api.Clock.Advance(TimeSpan.FromSeconds(5));
        Assert.True(await DeliveryKit.ReachesAsync(() => app.Requests.Count == 2));
        // The second failure is recorded (not just claimed: a claimed row is leased for 4 minutes).
        var retryAt = h.Api.Clock.GetUtcNow().AddMinutes(5).UtcDateTime;
        Assert.True(await Eventually.TrueAsync(async () => await h.Db.ScalarAsync<int>("SELECT attempts FROM deliveries") == 2
            && await h.Db.ScalarAsync<DateTime>("SELECT next_attempt_at FROM deliveries") == retryAt));
        Assert.Equal("pending", await h.Db.ScalarAsync<string>("SELECT status FROM deliveries"));
        h.Api.Clock.Advance(TimeSpan.FromMinutes(5));

        Assert.Equal(1L, await DeliveryKit.CountReachesAsync(h.Db, "SELECT count(*) FROM deliveries WHERE status = 'sent'", 1));
        await Task.Delay(300);
        Assert.Equal(3, app.Requests.Count);
        Assert.All(app.Requests, r => Assert.Equal(eventId.ToString(), r.Headers["webhook-id"]));
        Assert.All(app.Requests, r => Assert.Null(StandardWebhooksReference.Refusal(DeliveryKit.WebhookSecret, r, DateTimeOffset.UtcNow)));
        Assert.Single(app.Requests.Select(r => r.Body).Distinct());
        Assert.Equal(3, await h.Db.ScalarAsync<int>("SELECT attempts FROM deliveries"));
    }

    [Fact]
    public async Task The_receiver_would_reject_a_forged_or_stale_signature()
    {
        await using var app = await HttpTestReceiver.StartAsync();
        await using var h = await BillingHarness.StartAsync(DeliveryKit.Webhooks(app));
        await Seed.UserAsync(h.Db);
        await h.Db.ExecAsync("SELECT add_scraper_credits(id, 5, 'grant-2', 'Operator grant', $1) FROM users", h.Api.Clock.GetUtcNow());
        Assert.True(await DeliveryKit.ReachesAsync(() => app.Requests.Count == 1));
        var real = app.Requests.Single();
        var (id, ts, sig) = (real.Headers["webhook-id"], real.Headers["webhook-timestamp"], real.Headers["webhook-signature"]);
        var now = DateTimeOffset.UtcNow;
        Assert.Null(StandardWebhooksReference.Refusal(DeliveryKit.WebhookSecret, id, ts, sig, real.Body, now));

        // Another key, a changed body, another id, a moved timestamp: the signature no longer matches.
        const string OtherSecret = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
        var forged = StandardWebhooksReference.Sign(OtherSecret, id, ts, real.Body);
        Assert.Equal("no signature matches", StandardWebhooksReference.Refusal(DeliveryKit.WebhookSecret, id, ts, forged, real.Body, now));
        Assert.Equal("no signature matches", StandardWebhooksReference.Refusal(DeliveryKit.WebhookSecret, id, ts, sig,
            real.Body.Replace("grant-2", "grant-3", StringComparison.Ordinal), now));
        Assert.Equal("no signature matches", StandardWebhooksReference.Refusal(DeliveryKit.WebhookSecret, Guid.NewGuid().ToString(), ts, sig, real.Body, now));
        var moved = (long.Parse(ts, CultureInfo.InvariantCulture) + 1).ToString(CultureInfo.InvariantCulture);
        Assert.Equal("no signature matches", StandardWebhooksReference.Refusal(DeliveryKit.WebhookSecret, id, moved, sig, real.Body, now));
        // A genuine signature replayed ten minutes later is stale.
        Assert.Equal("stale timestamp", StandardWebhooksReference.Refusal(DeliveryKit.WebhookSecret, id, ts, sig, real.Body, now.AddMinutes(10)));
        Assert.StartsWith("v1,", sig, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_events_endpoint_pages_every_event_in_order_behind_its_own_secret()
    {
        await using var h = await BillingHarness.StartAsync();
        var user = await Seed.UserAsync(h.Db);
        for (var i = 0; i < 5; i++)
        {
            await h.Db.ExecAsync("SELECT add_scraper_credits($1, 1, $2, 'grant', $3)", user, $"ref-{i}", h.Api.Clock.GetUtcNow());
        }
        var cron = h.Api.Events();

        Assert.Equal(HttpStatusCode.Unauthorized, (await h.Api.CreateClient().GetAsync("/api/billing/events")).StatusCode);
        // The cron secret renews, retries and moves the clock: it never reads the feed.
        Assert.Equal(HttpStatusCode.Unauthorized, (await h.Api.Cron().GetAsync("/api/billing/events")).StatusCode);
        // The endpoint shows only events whose transaction every snapshot already sees (no later commit
        // can slip in before them), and the horizon is the whole cluster's: another test class's long
        // transaction holds it back for a moment. A page is asked again until it is complete, as an app
        // polling the endpoint would see it on its next poll.
        async Task<JsonElement> PageAsync(string url, int count)
        {
            var page = await cron.GetFromJsonAsync<JsonElement>(url);
            for (var i = 0; i < 300 && page.GetProperty("events").GetArrayLength() < count; i++)
            {
                await Task.Delay(100);
                page = await cron.GetFromJsonAsync<JsonElement>(url);
            }
            return page;
        }
        var first = await PageAsync("/api/billing/events?limit=3", 3);
        Assert.Equal(3, first.GetProperty("events").GetArrayLength());
        Assert.True(first.GetProperty("has_more").GetBoolean());
        var after = first.GetProperty("next_after").GetString();
        var rest = await PageAsync($"/api/billing/events?after={after}&limit=3", 2);
        Assert.Equal(2, rest.GetProperty("events").GetArrayLength());
        Assert.False(rest.GetProperty("has_more").GetBoolean());
        var seen = first.GetProperty("events").EnumerateArray().Concat(rest.GetProperty("events").EnumerateArray())
            .Select(e => e.GetProperty("data").GetProperty("object").GetProperty("reference_id").GetString()).ToList();
        Assert.Equal(["ref-0", "ref-1", "ref-2", "ref-3", "ref-4"], seen);
        Assert.All(first.GetProperty("events").EnumerateArray(), e => Assert.Equal("credits.granted", e.GetProperty("type").GetString()));

        var end = await cron.GetFromJsonAsync<JsonElement>($"/api/billing/events?after={rest.GetProperty("next_after").GetString()}");
        Assert.Equal(0, end.GetProperty("events").GetArrayLength());
        Assert.Equal(rest.GetProperty("next_after").GetString(), end.GetProperty("next_after").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await cron.GetAsync($"/api/billing/events?after={Guid.NewGuid()}")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await cron.GetAsync("/api/billing/events?after=nope")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await cron.GetAsync("/api/billing/events?limit=0")).StatusCode);
        // Without APP_WEBHOOK_URL events are kept for catching up, but nothing is queued to send.
        Assert.Equal(0, await h.Db.ScalarAsync<long>("SELECT count(*) FROM deliveries"));
    }
}
