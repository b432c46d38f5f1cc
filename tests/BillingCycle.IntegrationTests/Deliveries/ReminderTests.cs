using System.Net;
using BillingCycle.IntegrationTests.Infrastructure;
using BillingCycle.TestSupport;
using Npgsql;

namespace BillingCycle.IntegrationTests.Deliveries;

/// <summary>The reminders of contract §8.3, queued by the housekeeping job on the test clock.</summary>
public sealed class ReminderTests
{
    [Fact]
    public async Task Over_a_test_clock_month_one_upcoming_renewal_reminder_per_period_and_one_unpaid_reminder_per_attempt_none_for_one_set_to_cancel()
    {
        await using var h = await BillingHarness.StartAsync();
        var periodEnd = new DateTimeOffset(2026, 11, 6, 0, 0, 0, TimeSpan.Zero);
        var (stays, user) = await h.DueSubscriptionAsync(periodEnd: periodEnd);
        var (leaves, leaver) = await h.DueSubscriptionAsync(periodEnd: periodEnd, cancelAtPeriodEnd: true);
        var (_, free) = await h.DueSubscriptionAsync(price: 0, periodEnd: periodEnd);
        var cron = h.Api.Cron();
        var paidSecondAttempt = false;

        // Each day until the next period's renewal: renewal at 02:00, retry at 03:00, housekeeping every 3 hours.
        var hours = new[] { 0, 2, 3, 6, 9, 12, 15, 18, 21 };
        for (var day = BillingHarness.Start.Date; day < new DateTime(2026, 12, 5, 0, 0, 0, DateTimeKind.Utc); day = day.AddDays(1))
        {
            foreach (var hour in hours)
            {
                var at = new DateTimeOffset(day.AddHours(hour), TimeSpan.Zero);
                if (at < h.Api.Clock.GetUtcNow())
                {
                    continue;
                }
                h.Api.Clock.SetUtcNow(at);
                if (hour == 2)
                {
                    await h.RenewAsync();
                }
                if (hour == 3)
                {
                    await h.RetryAsync();
                }
                Assert.Equal(HttpStatusCode.OK, (await cron.PostAsync("/api/billing/housekeeping", null)).StatusCode);

                // The first link is left to expire; the retry's link is paid 15 hours after it was sent.
                var open = await h.Db.ScalarAsync<int?>("""
                    SELECT p.attempt_number FROM payments p JOIN invoices i ON i.id = p.invoice_id
                     WHERE i.subscription_id = $1 AND p.status = 'pending' AND p.created_at <= $2 - interval '15 hours'
                    """, stays, at.UtcDateTime);
                if (open == 2 && !paidSecondAttempt)
                {
                    var reference = await h.InvoiceReferenceAsync(stays, 2);
                    Assert.Equal(HttpStatusCode.OK, (await h.DeliverAsync(h.StandIn.Act(reference, "pay"))).StatusCode);
                    paidSecondAttempt = true;
                }
            }
        }

        Assert.True(paidSecondAttempt);
        // One reminder before each period end the subscription reached (6 Nov, and 6 Dec after the paid retry).
        Assert.Equal(["2026-11-03", "2026-12-03"], await h.Db.ListAsync<string>("""
            SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') FROM notifications
             WHERE user_id = $1 AND type = 'billing_upcoming_renewal' ORDER BY created_at
            """, user));
        // One unpaid reminder for each attempt that stayed unpaid 12 hours: attempt 1 (expired) and 2 (paid later).
        Assert.Equal(["1", "2"], await h.Db.ListAsync<string>("""
            SELECT data->>'payment_attempt' FROM notifications WHERE user_id = $1 AND type = 'billing_payment_reminder' ORDER BY created_at
            """, user));
        Assert.Equal(2, await h.Db.ScalarAsync<long>("SELECT count(*) FROM reminders WHERE kind = 'payment_reminder'"));
        Assert.Equal(2, await h.Db.ScalarAsync<long>("SELECT count(*) FROM reminders WHERE kind = 'upcoming_renewal'"));
        // Nothing for the one set to cancel, nor for the free plan.
        Assert.Equal(0, await h.Db.ScalarAsync<long>(
            "SELECT count(*) FROM notifications WHERE user_id = $1 AND type IN ('billing_upcoming_renewal', 'billing_payment_reminder')", leaver));
        Assert.Equal(0, await h.Db.ScalarAsync<long>("SELECT count(*) FROM notifications WHERE user_id = $1 AND type = 'billing_upcoming_renewal'", free));
        Assert.Equal("canceled", await h.Db.ScalarAsync<string>("SELECT status FROM subscriptions WHERE id = $1", leaves));
        Assert.Equal("active", await h.Db.ScalarAsync<string>("SELECT status FROM subscriptions WHERE id = $1", stays));
        var reminder = await h.Db.ScalarAsync<string>("SELECT message FROM notifications WHERE user_id = $1 AND type = 'billing_upcoming_renewal' ORDER BY created_at LIMIT 1", user);
        Assert.Equal("Langganan Pro Anda akan diperpanjang pada 6 November 2026 sebesar Rp149.000. Pada hari itu kami akan mengirimkan tautan pembayaran.", reminder);
    }

    [Fact]
    public async Task A_reminder_is_recorded_at_most_once_by_the_database()
    {
        await using var h = await BillingHarness.StartAsync();
        var (sub, _) = await h.DueSubscriptionAsync(periodEnd: new DateTimeOffset(2026, 11, 3, 0, 0, 0, TimeSpan.Zero));
        var now = h.Api.Clock.GetUtcNow();

        // Two queuing calls at once: the second waits on the first's unique index entry, then skips it.
        await using var a = await h.Db.DataSource.OpenConnectionAsync();
        await using var b = await h.Db.DataSource.OpenConnectionAsync();
        await using var ta = await a.BeginTransactionAsync();
        await using var tb = await b.BeginTransactionAsync();
        Assert.Equal(1, await QueueAsync(a, ta, now));
        var second = QueueAsync(b, tb, now);
        await Task.Delay(300);
        Assert.False(second.IsCompleted);
        await ta.CommitAsync();
        Assert.Equal(0, await second);
        await tb.CommitAsync();

        Assert.Equal(1, await h.Db.ScalarAsync<long>("SELECT count(*) FROM notifications WHERE type = 'billing_upcoming_renewal'"));
        var duplicate = await Assert.ThrowsAsync<PostgresException>(() => h.Db.ExecAsync(
            "INSERT INTO reminders (kind, subscription_id, period_end) SELECT 'upcoming_renewal', id, current_period_end FROM subscriptions WHERE id = $1", sub));
        Assert.Equal(PostgresErrorCodes.UniqueViolation, duplicate.SqlState);
    }

    [Fact]
    public async Task The_upcoming_renewal_reminder_announces_the_plan_the_renewal_will_charge_a_scheduled_downgrade()
    {
        await using var h = await BillingHarness.StartAsync();
        var (sub, user) = await h.DueSubscriptionAsync(periodEnd: new DateTimeOffset(2026, 11, 3, 0, 0, 0, TimeSpan.Zero));
        await h.Db.ExecAsync("""
            WITH starter AS (INSERT INTO subscription_plans (name, price, interaction_credits, scraper_credits)
                             VALUES ('Starter', 49000, 100, 10) RETURNING id)
            UPDATE subscriptions SET scheduled_plan_id = (SELECT id FROM starter) WHERE id = $1
            """, sub);
        Assert.Equal(1, await h.Db.ScalarAsync<int>("SELECT reminders_queue_upcoming_renewals($1, 3, 100)", h.Api.Clock.GetUtcNow()));
        Assert.Equal("Langganan Starter Anda akan diperpanjang pada 3 November 2026 sebesar Rp49.000. Pada hari itu kami akan mengirimkan tautan pembayaran.",
            await h.Db.ScalarAsync<string>("SELECT message FROM notifications WHERE user_id = $1 AND type = 'billing_upcoming_renewal'", user));
    }

    private static async Task<int> QueueAsync(NpgsqlConnection conn, NpgsqlTransaction tx, DateTimeOffset now)
    {
        await using var cmd = new NpgsqlCommand("SELECT reminders_queue_upcoming_renewals($1, 3, 100)", conn, tx);
        cmd.Parameters.Add(new() { Value = now });
        return (int)(await cmd.ExecuteScalarAsync())!;
    }
}
