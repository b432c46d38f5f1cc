using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using BillingCycle.IPaymu.StandIn;
using BillingCycle.TestSupport;

namespace BillingCycle.ProcessTests;

/// <summary>
/// kill -9 of the postmaster while three kinds of work are in flight at once: a storm of paid
/// callbacks, a batch of email deliveries, and a burst of credit changes on one hot balance. Every
/// answer is a 200 or a 503 (never a 500); everything answered 200 is still there after the
/// restart; what was refused is sent again and applied once; no delivery is lost.
/// </summary>
[Collection(CrashCluster.Collection)]
public sealed class PostgresCrashStormTests(CrashCluster cluster)
{
    private const int Links = 120, Emails = 300, Credits = 1_000_000;

    [Fact]
    public async Task Kill_9_of_the_postmaster_during_a_callback_storm_a_delivery_batch_and_a_hot_credit_burst_loses_nothing()
    {
        ResilienceReport.Scenario();
        var tokens = new ClerkTokens();
        await using var smtp = await SmtpTestServer.StartAsync();
        smtp.Delay = TimeSpan.FromMilliseconds(20); // sends are in flight when the database dies
        var db = await cluster.CreateDatabaseAsync();
        await using var world = await ProcessWorld.StartAsync(db: db);
        await world.SeedDueAsync(Links);
        var start = new DateTimeOffset(2026, 11, 1, 2, 0, 0, TimeSpan.Zero);
        var api = await world.StartApiAsync(new()
        {
            ["BILLING_TEST_CLOCK"] = start.ToString("o", CultureInfo.InvariantCulture),
            ["CLERK_JWT_KEY"] = tokens.PublicKeyPem,
            ["SMTP_URL"] = smtp.Url,
            ["EMAIL_FROM"] = "Billing <billing@billing.test>",
            ["BILLING_DELIVERY_INTERVAL"] = "00:00:00.2",
        });
        await ProcessWorld.PostJsonAsync(api.Cron, "/api/billing/renew");
        await AddAsync(api, tokens, Credits);
        await db.ExecAsync("""
            INSERT INTO users (id, email, full_name) SELECT 'm' || g, 'm' || g || '@example.com', 'Customer ' || g FROM generate_series(1, $1) g
            """, Emails);
        await db.ExecAsync("""
            INSERT INTO notifications (user_id, type, title, message, data, created_at)
            SELECT 'm' || g, 'billing_payment_due', 'Payment Due', 'Your renewal is due.',
                   jsonb_build_object('payment_url', 'https://pay.billing.test/' || g, 'amount', 149000), $2
              FROM generate_series(1, $1) g
            """, Emails, start.UtcDateTime);
        await PostgresCrashTests.WaitForAsync(() => Task.FromResult(smtp.Received.Count >= 30));

        var callbacks = (await db.ListAsync<string>("SELECT reference_id FROM payments ORDER BY reference_id"))
            .Select(r => world.StandIn.Act(r, "pay")).ToList();
        var storm = new ConcurrentDictionary<SignedCallback, int?>();
        var burst = new ConcurrentDictionary<string, int>();
        await world.StandIn.SetFaultsAsync(new StandInFaults { LatencyMs = 40 }); // check-transaction: the storm lasts
        var stormTask = Parallel.ForEachAsync(callbacks, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (cb, ct) =>
            storm[cb] = (await world.StandIn.Callbacks.DeliverAsync(cb, ct)).StatusCode);
        // The burst: 16 clients consuming from one balance, each with a new reference, until the database is back.
        var next = 0;
        using var stop = new CancellationTokenSource();
        var burstTask = Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var reference = $"burst-{Interlocked.Increment(ref next)}";
                burst[reference] = await ConsumeAsync(api, tokens, reference);
            }
        })));
        await PostgresCrashTests.WaitForAsync(() => Task.FromResult(storm.Count >= 20 && burst.Count >= 50));
        await cluster.Pg.KillPostmasterAsync();
        await PostgresCrashTests.WaitForAsync(() => Task.FromResult(burst.Values.Count(v => v == 503) >= 20));
        await stop.CancelAsync();
        await Task.WhenAll(stormTask, burstTask);
        await world.StandIn.SetFaultsAsync(new StandInFaults());
        var sentBeforeRestart = smtp.Received.Count;

        // Answered while the database died: a 200 for what was stored, a 503 (resend) for the rest — nothing else.
        Assert.All(storm.Values, s => Assert.True(s is 200 or 503, $"callback answered {s}"));
        Assert.All(burst.Values, s => Assert.True(s is 200 or 503, $"consume answered {s}"));
        Assert.Contains(503, storm.Values.Select(v => v ?? 0));
        Assert.Contains(503, burst.Values);
        Assert.InRange(sentBeforeRestart, 30, Emails - 1);

        await cluster.RecoverAsync(db);
        await PostgresCrashTests.WaitForHealthyAsync(api);
        ResilienceReport.PostgresCrashes(1);
        // Every 200 was stored before it was answered, so it survived the crash.
        var stored = storm.Where(s => s.Value == 200).Select(s => ReferenceOf(s.Key)).ToArray();
        Assert.Equal(stored.Length, await db.ScalarAsync<long>("SELECT count(*) FROM payments WHERE reference_id = ANY($1) AND status = 'paid'", (object)stored));
        var consumed = burst.Where(b => b.Value == 200).Select(b => b.Key).ToArray();
        Assert.Equal(consumed.Length, await db.ScalarAsync<long>("SELECT count(*) FROM credit_transactions WHERE user_id = 'hot' AND reference_id = ANY($1)", (object)consumed));

        // iPaymu resends what was not answered 200; the web app retries every consume (repeats change nothing).
        var pending = storm.Where(s => s.Value != 200).Select(s => s.Key).ToList();
        await PostgresCrashTests.WaitForAsync(async () =>
        {
            var results = await Task.WhenAll(pending.Select(cb => world.StandIn.Callbacks.DeliverAsync(cb, CancellationToken.None)));
            Assert.All(results, r => Assert.True(r.StatusCode is 200 or 503, $"resent callback answered {r.StatusCode}"));
            pending = [.. results.Where(r => r.StatusCode != 200).Select(r => r.Callback)];
            return pending.Count == 0;
        });
        foreach (var reference in burst.Keys)
        {
            Assert.Equal(200, await ConsumeAsync(api, tokens, reference));
        }
        // The dead server's leases end on the billing clock: move it past them.
        var later = start.AddMinutes(6);
        await ProcessWorld.PostJsonAsync(api.Cron, "/api/billing/test-clock", new { now = later.ToString("o", CultureInfo.InvariantCulture) });
        await PostgresCrashTests.WaitForAsync(async () =>
            await db.ScalarAsync<long>("SELECT count(*) FROM deliveries WHERE status = 'pending'") == 0, seconds: 120);
        // Callbacks the crash caught between stored and answered were resent as rows of their own; housekeeping closes the first ones.
        var interrupted = await db.ScalarAsync<long>("SELECT count(*) FROM webhook_events WHERE outcome IS NULL");
        await ProcessWorld.PostJsonAsync(api.Cron, "/api/billing/housekeeping");
        Assert.Equal(interrupted, await db.ScalarAsync<long>("SELECT count(*) FROM webhook_events WHERE outcome = 'interrupted'"));

        Assert.False(api.HasExited);
        Assert.Equal(Links, await db.ScalarAsync<long>("SELECT count(*) FROM invoices WHERE status = 'paid'"));
        Assert.Equal(2 * Links, await db.ScalarAsync<long>("SELECT count(*) FROM credit_transactions WHERE user_id <> 'hot'"));
        Assert.Equal(burst.Count, await db.ScalarAsync<long>("SELECT count(*) FROM credit_transactions WHERE user_id = 'hot' AND reference_id LIKE 'burst-%'"));
        Assert.Equal(Credits - burst.Count, await db.ScalarAsync<long>("SELECT get_credit_balance('hot', 'scraper')"));
        var received = smtp.Received.Select(m => m.MessageId).ToHashSet(StringComparer.Ordinal);
        Assert.All(await db.ListAsync<Guid>("SELECT id FROM deliveries WHERE status = 'sent'"), id => Assert.Contains($"delivery-{id:N}@billing.test", received));
        Assert.Equal(0, await db.ScalarAsync<long>("SELECT count(*) FROM deliveries WHERE status = 'dead'"));
        await world.AssertInvariantsAsync(clockNow: later);
    }

    private static string ReferenceOf(SignedCallback cb) =>
        System.Web.HttpUtility.ParseQueryString(cb.Body)["reference_id"]!;

    private static async Task AddAsync(ApiProcess api, ClerkTokens tokens, long amount)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/credits/scraper/add")
        {
            Content = new StringContent($$"""{"amount":{{amount}},"user_id":"hot"}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new("Bearer", tokens.Admin("admin_crash"));
        using var res = await api.Http.SendAsync(request);
        res.EnsureSuccessStatusCode();
    }

    private static async Task<int> ConsumeAsync(ApiProcess api, ClerkTokens tokens, string reference)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/credits/scraper/consume")
        {
            Content = new StringContent($$"""{"amount":1,"reference_id":"{{reference}}"}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new("Bearer", tokens.Issue("hot"));
        using var res = await api.Http.SendAsync(request);
        return (int)res.StatusCode;
    }
}
