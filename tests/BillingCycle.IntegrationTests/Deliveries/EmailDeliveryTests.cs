using BillingCycle.IntegrationTests.Infrastructure;
using BillingCycle.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Serilog.Core;

namespace BillingCycle.IntegrationTests.Deliveries;

/// <summary>Email through a real SMTP server in the test process (contract §8.1, §8.2).</summary>
public sealed class EmailDeliveryTests
{
    private static string ArtifactPath(string name)
    {
        var dir = Path.Combine(DedicatedPostgres.RepoRoot(), ".local", "artifacts", "emails");
        Directory.CreateDirectory(dir);
        return Path.Combine(dir, name);
    }

    [Theory]
    [InlineData("id", "Rp149.000", "Tagihan langganan Pro sebesar Rp149.000", "Bayar sekarang")]
    [InlineData("en", "IDR 149,000", "Your Pro renewal of IDR 149,000 is due", "Pay now")]
    public async Task A_renewal_emails_the_customer_once_with_the_subject_amount_and_link_of_the_locale(
        string locale, string amount, string subject, string button)
    {
        await using var smtp = await SmtpTestServer.StartAsync();
        await using var h = await BillingHarness.StartAsync(DeliveryKit.Email(smtp, locale));
        var (_, user) = await h.DueSubscriptionAsync();

        await h.RenewAsync();

        Assert.True(await DeliveryKit.ReachesAsync(() => smtp.Received.Count >= 1));
        var link = await h.Db.ScalarAsync<string>("SELECT coalesce(data->>'invoice_url', data->>'payment_url') FROM notifications WHERE user_id = $1 AND type = 'billing_payment_due'", user);
        var deliveryId = await h.Db.ScalarAsync<Guid>("SELECT d.id FROM deliveries d JOIN notifications n ON n.id = d.notification_id WHERE n.user_id = $1", user);
        Assert.Equal(1L, await DeliveryKit.CountReachesAsync(h.Db, "SELECT count(*) FROM deliveries WHERE status = 'sent'", 1));
        var mail = Assert.Single(smtp.Received);
        Assert.Equal($"{user}@example.com", mail.To);
        Assert.Equal(subject, mail.Subject);
        Assert.Equal($"delivery-{deliveryId:N}@billing.test", mail.MessageId);
        Assert.Contains(amount, mail.Html, StringComparison.Ordinal);
        Assert.Contains(amount, mail.Text, StringComparison.Ordinal);
        Assert.Contains($"href=\"{link}\"", mail.Html, StringComparison.Ordinal);
        Assert.Contains(link, mail.Text, StringComparison.Ordinal);
        Assert.Contains(button, mail.Html, StringComparison.Ordinal);
        Assert.Equal("Putu Test", Assert.Single(mail.Message.To.Mailboxes).Name);
        await File.WriteAllTextAsync(ArtifactPath($"renewal.{locale}.html"), mail.Html);

        // Nothing else is sent for it, however many more passes the worker makes.
        await Task.Delay(500);
        Assert.Single(smtp.Received);
        Assert.Equal(1, await h.Db.ScalarAsync<int>("SELECT attempts FROM deliveries WHERE id = $1", deliveryId));
    }

    [Fact]
    public async Task An_SMTP_server_that_answers_4xx_then_accepts_gets_the_email_once_after_the_retry()
    {
        await using var smtp = await SmtpTestServer.StartAsync();
        var refusals = 0;
        smtp.Refuse = _ => Interlocked.Increment(ref refusals) == 1 ? 451 : null;
        await using var h = await BillingHarness.StartAsync(DeliveryKit.Email(smtp));
        await h.DueSubscriptionAsync();
        await h.RenewAsync();

        Assert.True(await Eventually.TrueAsync(async () =>
            await h.Db.ScalarAsync<int>("SELECT attempts FROM deliveries") == 1
            && await h.Db.ScalarAsync<string>("SELECT last_error FROM deliveries") is { } e && e.Contains("451", StringComparison.Ordinal)));
        Assert.Equal("pending", await h.Db.ScalarAsync<string>("SELECT status FROM deliveries"));
        Assert.Equal(h.Api.Clock.GetUtcNow().AddMinutes(1).UtcDateTime, await h.Db.ScalarAsync<DateTime>("SELECT next_attempt_at FROM deliveries"));
        await Task.Delay(300);
        Assert.Empty(smtp.Received); // not before its time

        h.Api.Clock.Advance(TimeSpan.FromMinutes(1));

        Assert.Equal(1L, await DeliveryKit.CountReachesAsync(h.Db, "SELECT count(*) FROM deliveries WHERE status = 'sent'", 1));
        await Task.Delay(300);
        var mail = Assert.Single(smtp.Received);
        Assert.Equal(1, smtp.RefusedCount);
        Assert.Equal(2, await h.Db.ScalarAsync<int>("SELECT attempts FROM deliveries"));
        Assert.StartsWith("delivery-", mail.MessageId, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_5xx_makes_the_delivery_dead_at_once_with_one_alert()
    {
        await using var smtp = await SmtpTestServer.StartAsync();
        smtp.Refuse = _ => 550;
        await using var monitoring = await HttpTestReceiver.StartAsync();
        var settings = DeliveryKit.Email(smtp).With(new() { ["MONITORING_WEBHOOK_URL"] = new Uri(monitoring.BaseUrl, "/alerts").ToString() });
        await using var h = await BillingHarness.StartAsync(settings);
        await h.DueSubscriptionAsync();
        await h.RenewAsync();

        Assert.Equal(1L, await DeliveryKit.CountReachesAsync(h.Db, "SELECT count(*) FROM deliveries WHERE status = 'dead'", 1));
        Assert.Equal(1, await h.Db.ScalarAsync<int>("SELECT attempts FROM deliveries"));
        Assert.Contains("550", await h.Db.ScalarAsync<string>("SELECT last_error FROM deliveries"), StringComparison.Ordinal);
        Assert.True(await DeliveryKit.ReachesAsync(() => monitoring.Requests.Any(r => r.Body.Contains("Delivery dead", StringComparison.Ordinal))));
        h.Api.Clock.Advance(TimeSpan.FromDays(1));
        await Task.Delay(500);
        Assert.Single(monitoring.Requests, r => r.Body.Contains("Delivery dead", StringComparison.Ordinal));
        Assert.Empty(smtp.Received);
        Assert.Equal(1, smtp.RefusedCount);
    }

    [Fact]
    public async Task A_temporary_failure_on_every_try_ends_dead_after_the_last_retry_with_one_alert()
    {
        await using var smtp = await SmtpTestServer.StartAsync();
        smtp.Refuse = _ => 421;
        await using var h = await BillingHarness.StartAsync(DeliveryKit.Email(smtp));
        await DeliveryKit.SeedNotificationsAsync(h.Db, 1, h.Api.Clock.GetUtcNow());

        // 1 min, 5 min, 30 min, 2 h, 6 h after each failure; the sixth try is the last.
        var waits = new[] { 1, 5, 30, 120, 360 };
        for (var tried = 1; tried <= waits.Length; tried++)
        {
            var next = h.Api.Clock.GetUtcNow().AddMinutes(waits[tried - 1]).UtcDateTime;
            Assert.True(await Eventually.TrueAsync(async () => await h.Db.ScalarAsync<int>("SELECT attempts FROM deliveries") == tried
                && await h.Db.ScalarAsync<DateTime>("SELECT next_attempt_at FROM deliveries") == next), $"try {tried}");
            h.Api.Clock.Advance(TimeSpan.FromMinutes(waits[tried - 1]));
        }
        Assert.Equal(1L, await DeliveryKit.CountReachesAsync(h.Db, "SELECT count(*) FROM deliveries WHERE status = 'dead'", 1));
        Assert.Equal(6, await h.Db.ScalarAsync<int>("SELECT attempts FROM deliveries"));
        Assert.Equal(6, smtp.RefusedCount);
    }

    [Fact]
    public async Task SMTP_down_while_1000_notifications_are_queued_loses_none_once_it_returns()
    {
        await using var smtp = await SmtpTestServer.StartAsync(running: false);
        await using var h = await BillingHarness.StartAsync(DeliveryKit.Email(smtp));
        var at = h.Api.Clock.GetUtcNow();

        await DeliveryKit.SeedNotificationsAsync(h.Db, 1_000, at);

        Assert.Equal(1_000L, await DeliveryKit.CountReachesAsync(h.Db, "SELECT count(*) FROM deliveries WHERE attempts = 1 AND last_error IS NOT NULL", 1_000, 60_000));
        Assert.Equal(1_000, await h.Db.ScalarAsync<long>("SELECT count(*) FROM deliveries WHERE status = 'pending'"));
        await smtp.StartAgainAsync();
        h.Api.Clock.Advance(TimeSpan.FromMinutes(1));

        Assert.Equal(1_000L, await DeliveryKit.CountReachesAsync(h.Db, "SELECT count(*) FROM deliveries WHERE status = 'sent'", 1_000, 90_000));
        Assert.Equal(1_000, smtp.Received.Count);
        Assert.Equal(1_000, smtp.Received.Select(m => m.MessageId).Distinct().Count());
        Assert.Equal(1_000, smtp.Received.Select(m => m.To).Distinct().Count());
    }

    [Fact]
    public async Task Two_instances_deliver_1000_emails_with_no_duplicate_Message_ID()
    {
        await using var smtp = await SmtpTestServer.StartAsync();
        var settings = DeliveryKit.Email(smtp);
        await using var h = await BillingHarness.StartAsync(settings);
        await using var second = new ApiFactory(h.Db, new ClerkTokens(),
            settings.With(new() { ["IPAYMU_BASE_URL"] = h.StandIn.BaseUrl.ToString().TrimEnd('/') }), h.Api.Clock);
        _ = second.Server;

        await DeliveryKit.SeedNotificationsAsync(h.Db, 1_000, h.Api.Clock.GetUtcNow());

        Assert.Equal(1_000L, await DeliveryKit.CountReachesAsync(h.Db, "SELECT count(*) FROM deliveries WHERE status = 'sent'", 1_000, 90_000));
        await Task.Delay(500);
        Assert.Equal(1_000, smtp.Received.Count);
        Assert.Equal(1_000, smtp.Received.Select(m => m.MessageId).Distinct().Count());
        Assert.Equal(0, await h.Db.ScalarAsync<long>("SELECT count(*) FROM deliveries WHERE attempts <> 1"));
    }

    [Fact]
    public async Task A_user_without_an_email_is_skipped_and_nothing_is_queued_without_SMTP_URL()
    {
        await using var smtp = await SmtpTestServer.StartAsync();
        await using (var h = await BillingHarness.StartAsync(DeliveryKit.Email(smtp)))
        {
            await h.Db.ExecAsync("INSERT INTO users (id, email) VALUES ('no_mail', NULL)");
            await h.Db.ExecAsync("INSERT INTO notifications (user_id, type, title, message, created_at) VALUES ('no_mail', 'billing_failed', 'Payment Failed', 'x', $1)",
                h.Api.Clock.GetUtcNow());
            Assert.Equal(1L, await DeliveryKit.CountReachesAsync(h.Db, "SELECT count(*) FROM deliveries WHERE status = 'skipped'", 1));
            Assert.Empty(smtp.Received);
        }

        await using var off = await BillingHarness.StartAsync(new() { ["BILLING_DELIVERY_INTERVAL"] = "00:00:00.1" });
        await off.DueSubscriptionAsync();
        await off.RenewAsync();
        Assert.Equal(1, await off.Db.ScalarAsync<long>("SELECT count(*) FROM notifications"));
        Assert.Equal(0, await off.Db.ScalarAsync<long>("SELECT count(*) FROM deliveries"));
        Assert.False(await off.Db.ScalarAsync<bool>("SELECT deliveries_channel_enabled('email')"));
    }

    [Fact]
    public async Task SMTP_credentials_and_the_webhook_secret_are_used_but_never_logged()
    {
        const string Password = "smtp-pass-Zq8!x/9";
        await using var smtp = await SmtpTestServer.StartAsync(credentials: ("billing@relay.test", Password));
        await using var app = await HttpTestReceiver.StartAsync();
        var capture = new LogCapture();
        var settings = DeliveryKit.Email(smtp).With(DeliveryKit.Webhooks(app));
        await using var db = await PostgresServer.CreateDatabaseAsync();
        await using var api = new ApiFactory(db, new ClerkTokens(), settings, new Microsoft.Extensions.Time.Testing.FakeTimeProvider(BillingHarness.Start))
        {
            ExtraServices = s => s.AddSingleton<ILogEventSink>(capture),
        };
        _ = api.Server;
        await DeliveryKit.SeedNotificationsAsync(db, 3, BillingHarness.Start);
        await db.ExecAsync("SELECT add_scraper_credits('n1', 5, 'grant-x', 'Operator grant', $1)", BillingHarness.Start.UtcDateTime);

        Assert.True(await DeliveryKit.ReachesAsync(() => smtp.Received.Count == 3 && app.Requests.Count == 1));
        var all = string.Join('\n', capture.Lines);
        Assert.Matches("Email: sent through \\W?smtp://127.0.0.1:[0-9]+", all);
        Assert.DoesNotContain(Password, all, StringComparison.Ordinal);
        Assert.DoesNotContain(Uri.EscapeDataString(Password), all, StringComparison.Ordinal);
        Assert.DoesNotContain(DeliveryKit.WebhookSecret["whsec_".Length..], all, StringComparison.Ordinal);
    }
}
