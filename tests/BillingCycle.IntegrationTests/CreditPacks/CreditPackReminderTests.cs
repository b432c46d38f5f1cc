using System.Net;
using BillingCycle.IntegrationTests.Subscriptions;

namespace BillingCycle.IntegrationTests.CreditPacks;

/// <summary>
/// contract §8.3 and §11.4: a credit pack's invoice has no subscription, yet its unpaid link is
/// reminded once per attempt like any open invoice's — in the pack's own words, not a
/// subscription's — and a paid or expired pack is not reminded.
/// </summary>
public sealed class CreditPackReminderTests : IAsyncLifetime
{
    private LifecycleWorld _w = null!;

    public async Task InitializeAsync() => _w = await LifecycleWorld.StartAsync(new());

    public async Task DisposeAsync() => await _w.DisposeAsync();

    [Fact]
    public async Task An_unpaid_pack_link_gets_one_payment_reminder_in_the_pack_words_and_a_paid_one_none()
    {
        var pack = await _w.H.Db.ScalarAsync<Guid>(
            "INSERT INTO credit_packs (name, credit_type, credits, price) VALUES ('Scraper 1K', 'scraper', 1000, 99000) RETURNING id");
        Assert.Equal(HttpStatusCode.Created, (await _w.As("u_forgets").PostAsync($"/api/credit-packs/{pack}/purchase", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await _w.As("u_pays").PostAsync($"/api/credit-packs/{pack}/purchase", null)).StatusCode);
        var paid = await _w.H.Db.ScalarAsync<string>("""
            SELECT p.reference_id FROM payments p JOIN invoices i ON i.id = p.invoice_id WHERE i.user_id = 'u_pays'
            """);
        Assert.Equal(HttpStatusCode.OK, (await _w.H.DeliverAsync(_w.H.StandIn.Act(paid, "pay"))).StatusCode);
        var cron = _w.H.Api.Cron();

        _w.H.Api.Clock.Advance(TimeSpan.FromHours(11));
        var early = await LifecycleWorld.JsonAsync(await cron.PostAsync("/api/billing/housekeeping", null));
        _w.H.Api.Clock.Advance(TimeSpan.FromHours(2));
        var due = await LifecycleWorld.JsonAsync(await cron.PostAsync("/api/billing/housekeeping", null));
        var again = await LifecycleWorld.JsonAsync(await cron.PostAsync("/api/billing/housekeeping", null));

        Assert.False(early.GetProperty("reconciliation").TryGetProperty("payment_reminders", out var e) && e.GetInt32() > 0);
        Assert.Equal(1, due.GetProperty("reconciliation").GetProperty("payment_reminders").GetInt32());
        Assert.Equal(0, again.GetProperty("reconciliation").TryGetProperty("payment_reminders", out var a) ? a.GetInt32() : 0);
        // One reminder, for the unpaid pack's attempt 1, naming no subscription; none for the paid pack.
        Assert.Equal(["u_forgets"], await _w.H.Db.ListAsync<string>("""
            SELECT i.user_id FROM reminders r JOIN payments p ON p.id = r.payment_id JOIN invoices i ON i.id = p.invoice_id
             WHERE r.kind = 'payment_reminder' AND r.subscription_id IS NULL AND i.kind = 'credit_pack' AND p.attempt_number = 1
            """));
        Assert.Equal(1, await _w.H.Db.ScalarAsync<long>("SELECT count(*) FROM reminders"));
        // Its words are the pack's (the variant credit_pack of billing_payment_reminder), with the pay link.
        var (title, message) = (await _w.H.Db.ScalarAsync<string>("""
            SELECT title || '|' || message FROM notifications WHERE user_id = 'u_forgets' AND type = 'billing_payment_reminder'
            """)).Split('|') switch { var x => (x[0], x[1]) };
        Assert.Equal("Tagihan paket kredit Anda masih menunggu pembayaran", title);
        Assert.Contains("paket kredit Scraper 1K", message);
        Assert.DoesNotContain("langganan", message);
        Assert.Equal("Scraper 1K", await _w.H.Db.ScalarAsync<string>("""
            SELECT data->>'pack_name' FROM notifications
             WHERE user_id = 'u_forgets' AND type = 'billing_payment_reminder' AND data->>'payment_url' IS NOT NULL
               AND data->>'subscription_id' IS NULL
            """));
        Assert.Equal(0, await _w.H.Db.ScalarAsync<long>(
            "SELECT count(*) FROM notifications WHERE user_id = 'u_pays' AND type = 'billing_payment_reminder'"));
    }
}
