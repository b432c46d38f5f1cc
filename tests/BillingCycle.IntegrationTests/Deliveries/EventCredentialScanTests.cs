using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BillingCycle.IntegrationTests.Subscriptions;
using BillingCycle.TestSupport;

namespace BillingCycle.IntegrationTests.Deliveries;

/// <summary>
/// No credential and no gateway answer in any event (contract §10.4): every event type a billing
/// month produces, read from the events table, the events feed and the webhook bodies the web app
/// receives, holds no public_token or gateway_response key, and a pay page's token appears only
/// inside an invoice_url or pdf_url value.
/// </summary>
public sealed class EventCredentialScanTests
{
    private static readonly string[] AllTypes =
    [
        "credits.granted", "invoice.created", "invoice.paid", "invoice.payment_failed", "subscription.activated",
        "subscription.canceled", "subscription.created", "subscription.past_due", "subscription.plan_changed", "subscription.renewed",
    ];

    [Fact]
    public async Task Every_event_type_is_free_of_pay_page_tokens_and_gateway_answers_in_the_table_the_feed_and_the_webhooks()
    {
        await using var app = await HttpTestReceiver.StartAsync();
        await using var w = await LifecycleWorld.StartAsync(DeliveryKit.Webhooks(app));
        var h = w.H;
        // A month: a checkout paid (activated), renewals paid, failed and canceled, a plan change.
        await Seed.UserAsync(h.Db, "u_scan");
        await w.CheckoutAsync("u_scan", w.Pro);
        (await w.PayLatestAsync("u_scan")).EnsureSuccessStatusCode();
        var (paid, _) = await h.DueSubscriptionAsync();
        var (failed, _) = await h.DueSubscriptionAsync();
        await h.DueSubscriptionAsync(cancelAtPeriodEnd: true);
        await h.RenewAsync();
        Assert.Equal(HttpStatusCode.OK, (await h.DeliverAsync(h.StandIn.Act(await h.InvoiceReferenceAsync(paid), "pay"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await h.DeliverAsync(h.StandIn.Act(await h.InvoiceReferenceAsync(failed), "expire"))).StatusCode);
        await h.Db.ExecAsync("UPDATE subscriptions SET plan_id = $1 WHERE user_id = 'u_scan'", w.Starter);

        var tokens = await h.Db.ListAsync<string>("SELECT public_token FROM invoices");
        Assert.NotEmpty(tokens);
        var types = await h.Db.ListAsync<string>("SELECT DISTINCT type FROM events ORDER BY type");
        Assert.Equal(AllTypes, types);

        var stored = await h.Db.ListAsync<string>("SELECT type || ' ' || data::text FROM events");
        foreach (var row in stored)
        {
            var space = row.IndexOf(' ', StringComparison.Ordinal);
            Scan(row[..space], JsonDocument.Parse(row[(space + 1)..]).RootElement, tokens);
        }

        // The feed, read with its own secret.
        var feed = await h.Api.Events().GetFromJsonAsync<JsonElement>("/api/billing/events?limit=1000");
        foreach (var e in feed.GetProperty("events").EnumerateArray())
        {
            Scan(e.GetProperty("type").GetString()!, e, tokens);
        }

        // The webhook bodies, as the web app receives them.
        var expected = await h.Db.ScalarAsync<long>("SELECT count(*) FROM events");
        Assert.True(await DeliveryKit.ReachesAsync(() => app.Requests.Count >= expected), $"{app.Requests.Count} of {expected} webhooks");
        foreach (var r in app.Requests.ToList())
        {
            var body = JsonDocument.Parse(r.Body).RootElement;
            Scan(body.GetProperty("type").GetString()!, body, tokens);
        }
    }

    private static void Scan(string type, JsonElement e, IReadOnlyList<string> tokens, string? property = null)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var p in e.EnumerateObject())
                {
                    Assert.False(p.Name is "public_token" or "gateway_response", $"{type} has a {p.Name} field");
                    Scan(type, p.Value, tokens, p.Name);
                }
                break;
            case JsonValueKind.Array:
                foreach (var item in e.EnumerateArray())
                {
                    Scan(type, item, tokens, property);
                }
                break;
            case JsonValueKind.String:
                var text = e.GetString()!;
                if (tokens.Any(t => text.Contains(t, StringComparison.Ordinal)))
                {
                    Assert.True(property is "invoice_url" or "pdf_url", $"{type}: a pay page's token in {property}");
                }
                break;
        }
    }
}
