using System.Globalization;
using BillingCycle.TestSupport;

namespace BillingCycle.ProcessTests;

/// <summary>The outbox across a crash (contract §8.1): at least once, never zero times.</summary>
public sealed class DeliveryCrashTests
{
    [Fact]
    public async Task Kill_9_of_the_API_while_500_deliveries_are_in_flight_then_restart_sends_every_one()
    {
        ResilienceReport.Scenario();
        await using var smtp = await SmtpTestServer.StartAsync();
        smtp.Delay = TimeSpan.FromMilliseconds(40); // a slow relay: sends are in flight when the process dies
        await using var world = await ProcessWorld.StartAsync();
        var start = new DateTimeOffset(2026, 11, 1, 2, 0, 0, TimeSpan.Zero);
        var env = new Dictionary<string, string>
        {
            ["BILLING_TEST_CLOCK"] = start.ToString("o", CultureInfo.InvariantCulture),
            ["SMTP_URL"] = smtp.Url,
            ["EMAIL_FROM"] = "Billing <billing@billing.test>",
            ["BILLING_DELIVERY_INTERVAL"] = "00:00:00.2",
        };
        var api = await world.StartApiAsync(env);
        Assert.True(await world.Db.ScalarAsync<bool>("SELECT deliveries_channel_enabled('email')"));

        await world.Db.ExecAsync("""
            INSERT INTO users (id, email, full_name) SELECT 'k' || g, 'k' || g || '@example.com', 'Customer ' || g FROM generate_series(1, 500) g
            """);
        await world.Db.ExecAsync("""
            INSERT INTO notifications (user_id, type, title, message, data, created_at)
            SELECT 'k' || g, 'billing_payment_due', 'Payment Due', 'Your renewal is due.',
                   jsonb_build_object('payment_url', 'https://pay.billing.test/' || g, 'amount', 149000), $1
              FROM generate_series(1, 500) g
            """, start.UtcDateTime);

        // Kill once a fifth is through: the rest are queued or in the middle of their SMTP dialogue.
        for (var i = 0; i < 600 && smtp.Received.Count < 100; i++)
        {
            await Task.Delay(50);
        }
        api.KillHard();
        ResilienceReport.Faults(1);
        var beforeRestart = smtp.Received.Count;
        Assert.InRange(beforeRestart, 100, 499);
        var leased = await world.Db.ScalarAsync<long>("SELECT count(*) FROM deliveries WHERE status = 'pending' AND attempts > 0");
        Assert.True(leased > 0, "some deliveries were claimed and not recorded when the process died");

        await using var restarted = await world.StartApiAsync(env, api.Port);
        // The dead process's leases end on the billing clock; move it past them.
        var later = start.AddMinutes(6);
        await ProcessWorld.PostJsonAsync(restarted.Cron, "/api/billing/test-clock", new { now = later.ToString("o", CultureInfo.InvariantCulture) });

        for (var i = 0; i < 1_200 && await world.Db.ScalarAsync<long>("SELECT count(*) FROM deliveries WHERE status = 'sent'") < 500; i++)
        {
            await Task.Delay(100);
        }
        Assert.Equal(500, await world.Db.ScalarAsync<long>("SELECT count(*) FROM deliveries WHERE status = 'sent'"));
        var ids = await world.Db.ListAsync<Guid>("SELECT id FROM deliveries");
        var received = smtp.Received.Select(m => m.MessageId).ToHashSet(StringComparer.Ordinal);
        Assert.All(ids, id => Assert.Contains($"delivery-{id:N}@billing.test", received));
        // At least once: only what was in flight at the kill (or claimed and unrecorded) may have gone twice.
        var duplicates = smtp.Received.Count - received.Count;
        Assert.InRange(duplicates, 0, (int)leased);
        await world.AssertInvariantsAsync(clockNow: later);
    }
}
