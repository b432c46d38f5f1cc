using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using BillingCycle.IntegrationTests.Subscriptions;
using BillingCycle.TestSupport;

namespace BillingCycle.IntegrationTests.Deliveries;

/// <summary>
/// Contract §15.1: every event's data.object is exactly what the API answers for that object, and
/// nothing the API does not show leaves in an event. A customer's life plays every event type;
/// after each step the last event of each object it touched is compared with the API's own answer.
/// </summary>
public sealed class EventContractTests
{
    private static readonly string[] AllTypes =
    [
        "credits.granted", "credits.revoked", "invoice.created", "invoice.paid", "invoice.payment_failed", "invoice.refunded",
        "subscription.activated",
        "subscription.canceled", "subscription.created", "subscription.past_due", "subscription.plan_changed",
        "subscription.renewed", "subscription.trial_will_end",
    ];

    [Fact]
    public async Task Every_event_types_object_equals_the_APIs_answer_and_no_event_carries_a_token_or_a_gateway_answer()
    {
        await using var receiver = await HttpTestReceiver.StartAsync();
        await using var w = await LifecycleWorld.StartAsync(DeliveryKit.Webhooks(receiver));
        const string User = "u_events";
        var api = w.As(User);
        var compared = new HashSet<string>(StringComparer.Ordinal);
        var examples = new SortedDictionary<string, string>(StringComparer.Ordinal);
        long seen = 0;

        async Task StepAsync(string name)
        {
            var events = await w.H.Db.ListAsync<string>(
                "SELECT json_build_object('type', type, 'data', data)::text FROM events WHERE seq > $1 ORDER BY txid, seq", seen);
            seen = await w.H.Db.ScalarAsync<long>("SELECT coalesce(max(seq), 0) FROM events");
            var last = new Dictionary<string, JsonNode>(StringComparer.Ordinal);
            foreach (var e in events.Select(e => JsonNode.Parse(e)!))
            {
                last[(string)e["data"]!["object"]!["id"]!] = e;
                examples.TryAdd((string)e["type"]!, e.ToJsonString());
            }
            foreach (var e in last.Values)
            {
                var type = (string)e["type"]!;
                var id = (string)e["data"]!["object"]!["id"]!;
                var answer = await ApiObjectAsync(api, type, id);
                Assert.True(JsonNode.DeepEquals(answer, e["data"]!["object"]),
                    $"{name}: {type} {e["data"]!["object"]!.ToJsonString()} is not the API's {answer?.ToJsonString()}");
                compared.Add(type);
            }
        }

        var (created, _) = await w.CheckoutAsync(User, w.Starter);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        await StepAsync("checkout");
        Assert.Equal(HttpStatusCode.OK, (await w.PayLatestAsync(User)).StatusCode);
        await StepAsync("checkout paid");
        Assert.True((await api.PostAsJsonAsync("/api/subscriptions/current/change-plan", new { plan_id = w.Pro })).IsSuccessStatusCode);
        await StepAsync("upgrade asked");
        Assert.Equal(HttpStatusCode.OK, (await w.PayLatestAsync(User)).StatusCode);
        await StepAsync("upgrade paid");
        w.H.Api.Clock.Advance(TimeSpan.FromDays(32));
        await w.H.RenewAsync();
        await StepAsync("renewal");
        Assert.Equal(HttpStatusCode.OK, (await w.PayLatestAsync(User, "expire")).StatusCode);
        await StepAsync("renewal expired");
        var open = await w.H.Db.ScalarAsync<Guid>("SELECT id FROM invoices WHERE user_id = $1 AND status = 'failed'", User);
        w.H.Api.Clock.Advance(TimeSpan.FromMinutes(2)); // one new attempt per invoice per minute (contract §7.6)
        var payNow = await api.PostAsync($"/api/invoices/{open}/pay", null);
        Assert.True(payNow.IsSuccessStatusCode, await payNow.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await w.PayLatestAsync(User)).StatusCode);
        await StepAsync("paid late");
        // An operator refunds a tenth of the late-paid invoice and takes back its share of the credits.
        var admin = w.H.Api.ClientFor(w.H.Api.Tokens.Admin("op_events"));
        var refund = await admin.PostAsJsonAsync($"/api/admin/invoices/{open}/refunds",
            new { amount = 4900, reason = "goodwill", revoke_credits = true });
        Assert.True(refund.IsSuccessStatusCode, await refund.Content.ReadAsStringAsync());
        await StepAsync("refunded");
        // A credit pack (contract §11.4): an invoice without a subscription, its events as the API shows it.
        var pack = await w.H.Db.ScalarAsync<Guid>(
            "INSERT INTO credit_packs (name, credit_type, credits, price) VALUES ('Top-up', 'scraper', 300, 30000) RETURNING id");
        Assert.Equal(HttpStatusCode.Created, (await api.PostAsync($"/api/credit-packs/{pack}/purchase", null)).StatusCode);
        await StepAsync("pack bought");
        Assert.Equal(HttpStatusCode.OK, (await w.PayLatestAsync(User)).StatusCode);
        await StepAsync("pack paid");
        Assert.True((await api.PostAsJsonAsync("/api/subscriptions/current/cancel", new { at_period_end = false })).IsSuccessStatusCode);
        await StepAsync("canceled now");
        // The customer comes back for a plan with a trial (contract §11.2): trialing at once, then
        // housekeeping's trial_will_end three days before its end.
        var trialPlan = await w.H.Db.ScalarAsync<Guid>(
            "INSERT INTO subscription_plans (name, price, interaction_credits, scraper_credits, trial_days) VALUES ('Trial', 99000, 300, 150, 14) RETURNING id");
        Assert.Equal(HttpStatusCode.Created, (await w.CheckoutAsync(User, trialPlan)).Response.StatusCode);
        await StepAsync("trial started");
        w.H.Api.Clock.Advance(TimeSpan.FromDays(12));
        Assert.True((await w.H.Api.Cron().PostAsync("/api/billing/housekeeping", null)).IsSuccessStatusCode);
        await StepAsync("trial will end");

        Assert.Equal(AllTypes, compared.Order(StringComparer.Ordinal));
        var plans = await w.H.Db.ListAsync<string>(
            "SELECT (data->'previous'->'plan'->>'name') || '>' || (data->'object'->'plan'->>'name') FROM events WHERE type = 'subscription.plan_changed'");
        Assert.Equal(["Starter>Pro"], plans);
        Assert.Equal("active", await w.H.Db.ScalarAsync<string>("SELECT data->'previous'->>'status' FROM events WHERE type = 'subscription.past_due'"));

        // Nothing the API hides leaves: no public_token key (the token only inside invoice_url and
        // pdf_url), no gateway answer, in any webhook body or page of the catch-up feed.
        var expected = await w.H.Db.ScalarAsync<long>("SELECT count(*) FROM events");
        Assert.True(await DeliveryKit.ReachesAsync(() => receiver.Requests.Count >= expected));
        var feed = await w.H.Api.Events().GetFromJsonAsync<JsonElement>("/api/billing/events?limit=1000");
        var bodies = receiver.Requests.Select(r => r.Body).Append(feed.GetRawText()).ToList();
        var tokens = await w.H.Db.ListAsync<string>("SELECT public_token FROM invoices WHERE user_id = $1", User);
        var gateway = await w.H.Db.ListAsync<string>(
            "SELECT DISTINCT coalesce(session_id, '') FROM payments p JOIN invoices i ON i.id = p.invoice_id WHERE i.user_id = $1 AND session_id IS NOT NULL", User);
        Assert.NotEmpty(tokens);
        Assert.NotEmpty(gateway);
        foreach (var body in bodies)
        {
            var leaks = Leaks(JsonNode.Parse(body)!, tokens, gateway).ToList();
            Assert.True(leaks.Count == 0, string.Join("; ", leaks) + " in " + body);
        }
        Assert.Equal(expected, (long)feed.GetProperty("events").GetArrayLength());

        // docs/events.md's examples are these, from a real run.
        var dir = Path.Combine(DedicatedPostgres.RepoRoot(), ".local", "artifacts");
        Directory.CreateDirectory(dir);
        await File.WriteAllTextAsync(Path.Combine(dir, "events.json"), new JsonObject(examples.Select(e =>
            KeyValuePair.Create(e.Key, JsonNode.Parse(e.Value)))).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    private static async Task<JsonNode?> ApiObjectAsync(HttpClient api, string type, string id)
    {
        if (type.StartsWith("subscription.", StringComparison.Ordinal))
        {
            return JsonNode.Parse(await api.GetStringAsync("/api/subscriptions/current"))!["subscription"]!.DeepClone();
        }
        if (type.StartsWith("invoice.", StringComparison.Ordinal))
        {
            return JsonNode.Parse(await api.GetStringAsync($"/api/invoices/{id}"));
        }
        var rows = JsonNode.Parse(await api.GetStringAsync("/api/credits/transactions?limit=100"))!["transactions"]!.AsArray();
        return rows.Single(r => (string)r!["id"]! == id)!.DeepClone();
    }

    private static IEnumerable<string> Leaks(JsonNode node, IReadOnlyList<string> tokens, IReadOnlyList<string> gateway, string key = "")
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (k, v) in o)
                {
                    if (k is "public_token" or "gateway_response" or "payment_response" or "session_id")
                    {
                        yield return "key " + k;
                    }
                    if (v is not null)
                    {
                        foreach (var leak in Leaks(v, tokens, gateway, k))
                        {
                            yield return leak;
                        }
                    }
                }
                break;
            case JsonArray a:
                foreach (var leak in a.Where(v => v is not null).SelectMany(v => Leaks(v!, tokens, gateway, key)))
                {
                    yield return leak;
                }
                break;
            case JsonValue v when v.TryGetValue<string>(out var s):
                if (key is not ("invoice_url" or "pdf_url") && tokens.Any(t => s.Contains(t, StringComparison.Ordinal)))
                {
                    yield return $"a pay-page token in {key}";
                }
                if (gateway.Any(g => g.Length > 0 && s.Contains(g, StringComparison.Ordinal)))
                {
                    yield return $"a gateway session in {key}";
                }
                break;
        }
    }
}
