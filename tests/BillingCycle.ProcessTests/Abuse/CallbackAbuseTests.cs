using System.Text;
using BillingCycle.IPaymu.Callbacks;
using BillingCycle.IPaymu.StandIn;
using BillingCycle.TestSupport;

namespace BillingCycle.ProcessTests.Abuse;

/// <summary>
/// The iPaymu callback under attack, against the API binary: garbage bodies, forged and tampered
/// signatures, a paid callback replayed 100 times, and outcomes delivered out of order.
/// </summary>
public sealed class CallbackAbuseTests
{
    [Fact]
    public async Task Forged_replayed_and_reordered_callbacks_grant_each_paid_invoice_once_and_never_unpay()
    {
        ResilienceReport.Scenario();
        await using var world = await ProcessWorld.StartAsync();
        await world.SeedDueAsync(3, prefix: "cb");
        var api = await world.StartApiAsync(new() { ["BILLING_TEST_CLOCK"] = "2026-11-01T02:00:00Z" });
        await ProcessWorld.PostJsonAsync(api.Cron, "/api/billing/renew");
        var refs = await world.Db.ListAsync<string>("SELECT p.reference_id FROM payments p JOIN invoices i ON i.id = p.invoice_id ORDER BY i.user_id");
        Assert.Equal(3, refs.Count);
        var client = new AbuseClient(api.BaseUrl);
        const string hook = "/api/billing/webhook";

        // Garbage bodies in every content type, with and without a made-up signature.
        foreach (var body in BadInputs.Malformed())
        {
            foreach (var type in new[] { body.ContentType, "application/x-www-form-urlencoded" })
            {
                foreach (var signature in new[] { null, "deadbeef" })
                {
                    await client.SendAsync(HttpMethod.Post, hook, body with { ContentType = type }, null, "webhook " + body.Label,
                        headers: signature is null ? null : new Dictionary<string, string> { ["X-Signature"] = signature });
                }
            }
        }

        // Forgeries of a real paid callback: signed with another VA, amount raised after signing, signature bit-flipped.
        var a = world.StandIn.Act(refs[0], "pay");
        var forgeries = new (string Label, SignedCallback Cb)[]
        {
            ("other VA", a with { Signature = CallbackSignature.Compute(IPaymuCallback.Parse(a.Body, a.ContentType)!, "0000000000") }),
            ("amount raised", a with { Body = a.Body.Replace("total=149000", "total=1", StringComparison.Ordinal) }),
            ("signature flipped", a with { Signature = (a.Signature[0] == 'a' ? 'b' : 'a') + a.Signature[1..] }),
            ("signature dropped", a with { Signature = "" }),
        };
        foreach (var (label, cb) in forgeries)
        {
            await client.SendAsync(HttpMethod.Post, hook, new BadBody(label, Encoding.UTF8.GetBytes(cb.Body), cb.ContentType), null,
                "forged " + label, s => s == 401, cb.Signature.Length > 0 ? new Dictionary<string, string> { ["X-Signature"] = cb.Signature } : null);
        }
        Assert.Equal(0, await world.Db.ScalarAsync<long>("SELECT count(*) FROM invoices WHERE status = 'paid'"));

        // The genuine paid callback, replayed 100 times, 20 at a time.
        var replies = new List<int>();
        for (var batch = 0; batch < 5; batch++)
        {
            var sent = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => world.StandIn.Callbacks.DeliverAsync(a, CancellationToken.None)));
            replies.AddRange(sent.Select(d => d.StatusCode ?? 0));
        }
        Assert.All(replies, s => Assert.Equal(200, s));

        // Reordered: "expired" arriving after "paid" (iPaymu now reports expired) must not unpay.
        var late = world.StandIn.Act(refs[0], "expire");
        Assert.Equal(200, (await world.StandIn.Callbacks.DeliverAsync(late, CancellationToken.None)).StatusCode);

        // Reordered: a pending callback delivered after the paid one it preceded.
        var pending = world.StandIn.Act(refs[1], "pending");
        var paid = world.StandIn.Act(refs[1], "pay");
        Assert.Equal(200, (await world.StandIn.Callbacks.DeliverAsync(paid, CancellationToken.None)).StatusCode);
        Assert.Equal(200, (await world.StandIn.Callbacks.DeliverAsync(pending, CancellationToken.None)).StatusCode);

        // Expired first, then paid anyway: the late payment is confirmed by iPaymu and settles the failed invoice once.
        var expired = world.StandIn.Act(refs[2], "expire");
        Assert.Equal(200, (await world.StandIn.Callbacks.DeliverAsync(expired, CancellationToken.None)).StatusCode);
        Assert.Equal("past_due", await world.Db.ScalarAsync<string>("SELECT status FROM subscriptions WHERE user_id = 'cb3'"));
        var paidLate = world.StandIn.Act(refs[2], "pay");
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(200, (await world.StandIn.Callbacks.DeliverAsync(paidLate, CancellationToken.None)).StatusCode);
        }

        ResilienceReport.BadInputs(client.Tried + replies.Count + 7);
        Assert.True(client.Failures.Count == 0, string.Join('\n', client.Failures.Take(30)));
        Assert.Equal(3, await world.Db.ScalarAsync<long>("SELECT count(*) FROM invoices WHERE status = 'paid'"));
        Assert.Equal(3, await world.Db.ScalarAsync<long>("SELECT count(*) FROM subscriptions WHERE status = 'active' AND current_period_end = '2026-12-01 00:00Z'"));
        Assert.Equal(3, await world.Db.ScalarAsync<long>("SELECT count(*) FROM credit_transactions WHERE kind = 'reset'"));
        Assert.Equal(3, await world.Db.ScalarAsync<long>("SELECT count(*) FROM credit_transactions WHERE kind = 'add'"));
        Assert.Equal(0, await world.Db.ScalarAsync<long>("SELECT count(*) FROM payment_retries WHERE status IN ('pending', 'in_progress')"));
        Assert.True(await world.Db.ScalarAsync<long>("SELECT count(*) FROM webhook_events") >= 100 + forgeries.Length);
        Assert.True(await client.StillUpAsync());
        await world.AssertInvariantsAsync();
    }
}
