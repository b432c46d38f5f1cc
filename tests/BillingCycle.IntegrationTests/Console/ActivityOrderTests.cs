using AngleSharp.Html.Parser;
using BillingCycle.Api.Console.Seams;
using BillingCycle.IntegrationTests.Deliveries;
using BillingCycle.IntegrationTests.Infrastructure;
using BillingCycle.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace BillingCycle.IntegrationTests.Console;

/// <summary>
/// On a frozen clock a retry run and the link's expiry share one instant: the new attempt, its
/// "payment due" notification and email, the failure and its "payment failed" notification and
/// email. Lists are ordered by (time, activity_seq), so they read in the order things happened:
/// the console timeline, the customer's outbox, the notifications, and the emails as sent.
/// </summary>
public sealed class ActivityOrderTests
{
    [Fact]
    public async Task Five_retries_on_a_frozen_clock_read_back_in_order_from_the_timeline_the_outbox_and_the_mailbox()
    {
        await using var smtp = await SmtpTestServer.StartAsync();
        await using var h = await BillingHarness.StartAsync(DeliveryKit.Email(smtp).With(new() { ["BILLING_DELIVERY_CONCURRENCY"] = "1" }));
        var (sub, user) = await h.DueSubscriptionAsync();

        await h.RenewAsync();
        Assert.Equal(System.Net.HttpStatusCode.OK, (await h.DeliverAsync(h.StandIn.Act(await h.InvoiceReferenceAsync(sub, 1), "expire"))).StatusCode);
        var attempt = 1;
        foreach (var days in new[] { 1, 2, 4, 7, 14 })
        {
            h.Api.Clock.Advance(TimeSpan.FromDays(days));
            await h.RetryAsync();
            attempt++;
            Assert.Equal(System.Net.HttpStatusCode.OK, (await h.DeliverAsync(h.StandIn.Act(await h.InvoiceReferenceAsync(sub, attempt), "expire"))).StatusCode);
        }
        Assert.Equal(6, attempt);

        // Each run's two notifications share an instant: due (the new link) was written before failed (its expiry).
        var notifications = await h.Db.ListAsync<string>("""
            SELECT type || coalesce(' ' || (data ->> 'attempt_number'), '') FROM notifications
             WHERE user_id = $1 AND type IN ('billing_payment_due', 'billing_failed') ORDER BY created_at, seq
            """, user);
        var expected = new List<string>();
        for (var k = 1; k <= 6; k++)
        {
            expected.Add(k == 1 ? "billing_payment_due" : $"billing_payment_due {k}");
            if (k < 6)
            {
                expected.Add("billing_failed"); // the last failure cancels instead (subscription_cancelled)
            }
        }
        Assert.Equal(expected.Select(e => e.Split(' ')[0]), notifications.Select(n => n.Split(' ')[0]));
        // Eleven notifications on six instants: the ties the sequence breaks.
        Assert.Equal(6, await h.Db.ScalarAsync<long>(
            "SELECT count(DISTINCT created_at) FROM notifications WHERE user_id = $1 AND type IN ('billing_payment_due', 'billing_failed')", user));

        // The console timeline, newest first: the same notifications, reversed, failed above due at each instant.
        using var admin = ConsoleSession.WithBearer(h.Api, h.Api.Tokens.Admin("op_order"));
        var (_, html) = await admin.GetAsync($"/admin/customers/{user}");
        var timeline = new HtmlParser().ParseDocument(html).QuerySelectorAll("ol.timeline li").ToList();
        var shown = timeline.Where(li => li.GetAttribute("data-kind") == "notification")
            .Select(li => li.QuerySelector(".title")!.TextContent.Split(':')[0].Trim()).Where(t => t is "billing_payment_due" or "billing_failed").ToList();
        Assert.Equal(Enumerable.Reverse(expected.Select(e => e.Split(' ')[0])).ToList(), shown);
        var retries = timeline.Where(li => li.GetAttribute("data-kind") == "retry")
            .Select(li => li.QuerySelector(".title")!.TextContent.Split(' ')[1]).ToList();
        Assert.Equal(["5", "4", "3", "2", "1"], retries);

        // The outbox, as the console's seam reads it: newest first, in write order within an instant.
        await DeliveryKit.CountReachesAsync(h.Db, "SELECT count(*) FROM deliveries WHERE status = 'sent'", 12);
        var outbox = await h.Api.Services.GetRequiredService<IDeliveryConsole>().ForUserAsync(user, 100, CancellationToken.None);
        var byWrite = await h.Db.ListAsync<Guid>("""
            SELECT d.id FROM deliveries d JOIN notifications n ON n.id = d.notification_id
             WHERE n.user_id = $1 ORDER BY n.created_at DESC, n.seq DESC
            """, user);
        Assert.Equal(byWrite, outbox.Select(d => d.Id).ToList());
        Assert.Equal(["subscription_cancelled", "billing_payment_due", "billing_failed", "billing_payment_due"], outbox.Take(4).Select(d => d.What));

        // And the emails left in that order (one lane): each Message-ID names its delivery.
        var sent = smtp.Received.Select(e => Guid.ParseExact(e.MessageId.Trim('<', '>').Split('@')[0]["delivery-".Length..], "N")).ToList();
        Assert.Equal(Enumerable.Reverse(byWrite).ToList(), sent);
    }
}
