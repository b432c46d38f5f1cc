using BillingCycle.TestSupport;
using System.Net;
using BillingCycle.IntegrationTests.Infrastructure;

namespace BillingCycle.IntegrationTests.Billing;

public sealed class DunningTests : IAsyncLifetime
{
    private BillingHarness _h = null!;

    public async Task InitializeAsync() => _h = await BillingHarness.StartAsync();

    public async Task DisposeAsync() => await _h.DisposeAsync();

    private Task<string> StateAsync(Guid sub) => _h.Db.ScalarAsync<string>("""
        SELECT s.status || '|' || i.status || '|' || (SELECT count(*) FROM payments p WHERE p.invoice_id = i.id)
               || '|' || coalesce((SELECT string_agg(r.attempt_number || ':' || r.status, ',' ORDER BY r.attempt_number) FROM payment_retries r WHERE r.invoice_id = i.id), '')
          FROM subscriptions s JOIN invoices i ON i.subscription_id = s.id WHERE s.id = $1
        """, sub);

    /// <summary>Lets the open attempt's link expire at iPaymu and delivers the callback.</summary>
    private async Task ExpireAsync(Guid sub, int attempt)
    {
        var reference = await _h.InvoiceReferenceAsync(sub, attempt);
        Assert.Equal(HttpStatusCode.OK, (await _h.DeliverAsync(_h.StandIn.Act(reference, "expire"))).StatusCode);
    }

    private async Task<DateTime> RetryDateAsync(int attempt) =>
        await _h.Db.ScalarAsync<DateTime>("SELECT retry_date FROM payment_retries WHERE attempt_number = $1", attempt);

    [Fact]
    public async Task A_full_dunning_walk_retries_on_1_2_4_7_14_days_and_cancels_after_the_fifth_failure()
    {
        var (sub, user) = await _h.DueSubscriptionAsync();
        await _h.RenewAsync();
        await ExpireAsync(sub, 1);
        Assert.Equal("past_due|failed|1|1:pending", await StateAsync(sub));
        var failedAt = _h.Api.Clock.GetUtcNow();
        Assert.Equal(failedAt.AddDays(1).UtcDateTime, await RetryDateAsync(1));

        int[] delays = [2, 4, 7, 14];
        var delay = 1; // days from the last failure to the next retry
        for (var retry = 1; retry <= 5; retry++)
        {
            if (delay > 1)
            {
                // The day before the retry is due, the retry run does nothing.
                _h.Api.Clock.Advance(TimeSpan.FromDays(delay - 1));
                Assert.Equal(0, (await _h.RetryAsync()).GetProperty("processed").GetInt32());
            }
            _h.Api.Clock.Advance(TimeSpan.FromDays(1));
            var run = await _h.RetryAsync();
            Assert.True(run.GetProperty("summary").TryGetProperty("pending_payment", out var created) && created.GetInt32() == 1, run.ToString());
            Assert.Equal(retry + 1, await _h.Db.ScalarAsync<long>("SELECT count(*) FROM payments"));
            Assert.Equal("in_progress", await _h.Db.ScalarAsync<string>("SELECT status FROM payment_retries WHERE attempt_number = $1", retry));
            Assert.Equal($"{retry}|true", await _h.Db.ScalarAsync<string>(
                "SELECT (data->>'attempt_number') || '|' || (data ? 'payment_url') FROM notifications WHERE user_id = $1 AND type = 'billing_payment_due' ORDER BY created_at DESC LIMIT 1", user));
            Assert.Equal(0, (await _h.RetryAsync()).GetProperty("processed").GetInt32());

            await ExpireAsync(sub, retry + 1);
            if (retry < 5)
            {
                delay = delays[retry - 1];
                var failed = _h.Api.Clock.GetUtcNow();
                Assert.Equal(failed.AddDays(delay).UtcDateTime, await RetryDateAsync(retry + 1));
                var on = BillingCycle.Api.Deliveries.Email.LocaleFormat.Date(failed.AddDays(delay), BillingCycle.Api.Deliveries.Email.EmailLocale.Indonesian, BillingCycle.Api.Infrastructure.Time.CustomerTime.Jakarta);
                Assert.Equal($"Pembayaran percobaan ke-{retry} belum berhasil|" +
                    $"Kami belum menerima pembayaran sebesar Rp149.000 untuk langganan Pro (percobaan ke-{retry}). Kami akan mengirim tautan pembayaran baru pada {on}; Anda juga dapat membayar sekarang.",
                    await _h.Db.ScalarAsync<string>("SELECT title || '|' || message FROM notifications WHERE user_id = $1 AND type = 'billing_failed' ORDER BY created_at DESC LIMIT 1", user));
                Assert.Equal("past_due", await _h.Db.ScalarAsync<string>("SELECT status FROM subscriptions WHERE id = $1", sub));
            }
        }

        Assert.Equal("canceled|cancelled|6|1:failed,2:failed,3:failed,4:failed,5:failed", await StateAsync(sub));
        Assert.Equal("Payment failed after 5 retry attempts", await _h.Db.ScalarAsync<string>("SELECT cancel_reason FROM subscriptions WHERE id = $1", sub));
        Assert.Equal(1, await _h.Db.ScalarAsync<long>("SELECT count(*) FROM invoices"));
        Assert.Equal("Langganan Anda telah dibatalkan|Langganan Pro Anda dibatalkan karena pembayaran tidak kami terima setelah 5 kali percobaan. Anda dapat berlangganan kembali kapan saja.",
            await _h.Db.ScalarAsync<string>("SELECT title || '|' || message FROM notifications WHERE user_id = $1 AND type = 'subscription_cancelled'", user));
        Assert.Equal(6, await _h.Db.ScalarAsync<long>("SELECT count(*) FROM notifications WHERE user_id = $1 AND type = 'billing_payment_due'", user));
        Assert.Equal(5, await _h.Db.ScalarAsync<long>("SELECT count(*) FROM notifications WHERE user_id = $1 AND type = 'billing_failed'", user));
        Assert.Equal(1, await _h.Db.ScalarAsync<long>("SELECT count(*) FROM billing_logs WHERE event_type = 'renewal' AND status = 'failed'"));
        Assert.Equal(5, await _h.Db.ScalarAsync<long>("SELECT count(*) FROM billing_logs WHERE event_type = 'retry' AND status = 'failed'"));
        Assert.Equal(0, await _h.Db.ScalarAsync<long>("SELECT count(*) FROM credit_transactions"));

        // Canceling a canceled subscription, or a late duplicate failure, changes nothing.
        await ExpireAsync(sub, 6);
        Assert.False(await _h.Db.ScalarAsync<bool>("SELECT cancel_subscription($1, 'again')", sub));
        Assert.Equal(1, await _h.Db.ScalarAsync<long>("SELECT count(*) FROM notifications WHERE user_id = $1 AND type = 'subscription_cancelled'", user));
    }

    [Fact]
    public async Task Paid_on_retry_3_reactivates_advances_from_the_original_period_grants_once_and_closes_the_rest()
    {
        var (sub, user) = await _h.DueSubscriptionAsync();
        await _h.RenewAsync();
        await ExpireAsync(sub, 1);
        foreach (var (days, attempt) in new[] { (1, 2), (2, 3) })
        {
            _h.Api.Clock.Advance(TimeSpan.FromDays(days));
            await _h.RetryAsync();
            await ExpireAsync(sub, attempt);
        }
        _h.Api.Clock.Advance(TimeSpan.FromDays(4));
        await _h.RetryAsync();
        var paid = await _h.DeliverAsync(_h.StandIn.Act(await _h.InvoiceReferenceAsync(sub, 4), "pay"));
        Assert.Equal(HttpStatusCode.OK, paid.StatusCode);

        Assert.Equal("active|paid|4|1:failed,2:failed,3:processed", await StateAsync(sub));
        Assert.Equal("2026-11-01 00:00|2026-12-01 00:00", await _h.Db.ScalarAsync<string>("""
            SELECT to_char(current_period_start AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') || '|' || to_char(current_period_end AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI')
              FROM subscriptions WHERE id = $1
            """, sub));
        Assert.Equal(2, await _h.Db.ScalarAsync<long>("SELECT count(*) FROM credit_transactions WHERE user_id = $1", user));
        Assert.Equal("Pembayaran diterima pada percobaan ke-3|Pembayaran sebesar Rp149.000 untuk langganan Pro sudah kami terima (percobaan ke-3). Langganan Anda aktif sampai 1 Desember 2026.",
            await _h.Db.ScalarAsync<string>("SELECT title || '|' || message FROM notifications WHERE user_id = $1 AND type = 'billing_success'", user));

        _h.Api.Clock.Advance(TimeSpan.FromDays(20));
        var later = await _h.RetryAsync();
        Assert.Equal(0, later.GetProperty("processed").GetInt32());
        Assert.Equal(4, await _h.Db.ScalarAsync<long>("SELECT count(*) FROM payments"));
    }

    [Fact]
    public async Task A_lost_paid_callback_is_applied_by_the_next_job_run()
    {
        var (sub, user) = await _h.DueSubscriptionAsync();
        await _h.RenewAsync();
        _h.StandIn.Act(await _h.InvoiceReferenceAsync(sub), "pay"); // paid at iPaymu; the callback never arrives
        var historyBefore = _h.StandIn.RequestCount("/api/v2/history");

        var run = await _h.RetryAsync();

        Assert.Equal(1, run.GetProperty("reconciliation").GetProperty("paid_applied").GetInt32());
        Assert.Equal("active|paid|1|", await StateAsync(sub));
        Assert.Equal(1_000, await _h.Db.ScalarAsync<long>("SELECT get_credit_balance($1, 'interaction')", user));
        Assert.NotNull(await _h.Db.ScalarAsync<string>("SELECT transaction_id FROM payments"));
        Assert.Equal(1, _h.StandIn.RequestCount("/api/v2/history") - historyBefore); // one history read per run
    }

    [Fact]
    public async Task An_expired_link_with_no_callback_fails_after_expiry_plus_grace()
    {
        var (sub, _) = await _h.DueSubscriptionAsync();
        await _h.RenewAsync();

        _h.Api.Clock.Advance(TimeSpan.FromHours(24) + TimeSpan.FromMinutes(30)); // expired, still in grace
        var early = await _h.RetryAsync();
        Assert.Equal(1, early.GetProperty("reconciliation").GetProperty("checked_pending").GetInt32());
        Assert.Equal("active|pending|1|", await StateAsync(sub));

        _h.Api.Clock.Advance(TimeSpan.FromMinutes(31));
        var late = await _h.RetryAsync();
        Assert.Equal(1, late.GetProperty("reconciliation").GetProperty("expired").GetInt32());
        Assert.Equal("past_due|failed|1|1:pending", await StateAsync(sub));
        Assert.Equal("expired", await _h.Db.ScalarAsync<string>("SELECT status FROM payments"));
    }

    [Fact]
    public async Task Concurrent_retry_calls_on_two_instances_give_each_due_retry_exactly_one_payment()
    {
        for (var i = 0; i < 30; i++)
        {
            var (sub, _) = await _h.DueSubscriptionAsync();
            _ = sub;
        }
        await _h.RenewAsync();
        foreach (var reference in await ReferencesAsync())
        {
            await _h.DeliverAsync(_h.StandIn.Act(reference, "expire"));
        }
        _h.Api.Clock.Advance(TimeSpan.FromDays(1));
        await using var second = _h.SecondInstance();

        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => (i % 2 == 0 ? _h.Api : second).Cron().PostAsync("/api/billing/retry", null)));
        await _h.RetryAsync();

        Assert.All(answers, a => Assert.True(a.StatusCode is HttpStatusCode.OK or HttpStatusCode.Conflict));
        Assert.Equal(30, await _h.Db.ScalarAsync<long>("SELECT count(*) FROM payments WHERE attempt_number = 2"));
        Assert.Equal(30, _h.StandIn.State.Requests.Count(r => r.Path == "/api/v2/payment" && r.Body.Contains("Retry #1", StringComparison.Ordinal)));
        Assert.Equal(30, await _h.Db.ScalarAsync<long>("SELECT count(*) FROM payment_retries WHERE status = 'in_progress'"));
    }

    private async Task<List<string>> ReferencesAsync()
    {
        var list = new List<string>();
        await using var cmd = _h.Db.DataSource.CreateCommand("SELECT reference_id FROM payments");
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync())
        {
            list.Add(r.GetString(0));
        }
        return list;
    }
}
