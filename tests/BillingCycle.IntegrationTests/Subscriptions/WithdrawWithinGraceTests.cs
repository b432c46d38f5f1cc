using System.Text.Json;
using BillingCycle.IntegrationTests.Infrastructure;

namespace BillingCycle.IntegrationTests.Subscriptions;

/// <summary>
/// contract §7.2: an unpaid checkout is withdrawn once its link expired plus the grace hour — by the
/// housekeeping run that comes next, which settles the expired attempt itself through the
/// reconciler (iPaymu asked once), not a day later after the daily reconciliation. No renewal or
/// retry run happens in these tests; the fake clock moves.
/// </summary>
public sealed class WithdrawWithinGraceTests : IAsyncLifetime
{
    private LifecycleWorld _w = null!;

    public async Task InitializeAsync() => _w = await LifecycleWorld.StartAsync();

    public async Task DisposeAsync() => await _w.DisposeAsync();

    private async Task<JsonElement> HousekeepingAsync()
    {
        var res = await _w.H.Api.Cron().PostAsync("/api/billing/housekeeping", null);
        res.EnsureSuccessStatusCode();
        return (await LifecycleWorld.JsonAsync(res)).GetProperty("reconciliation");
    }

    private static int Count(JsonElement reconciliation, string what) =>
        reconciliation.TryGetProperty(what, out var n) ? n.GetInt32() : 0;

    private Task<DateTime> ExpiryAsync(string user) => _w.H.Db.ScalarAsync<DateTime>(
        "SELECT p.expires_at FROM payments p JOIN invoices i ON i.id = p.invoice_id WHERE i.user_id = $1", user);

    private Task<string> StateAsync(string user) => _w.H.Db.ScalarAsync<string>("""
        SELECT s.status || '|' || i.status || '|' || p.status
          FROM subscriptions s JOIN invoices i ON i.subscription_id = s.id JOIN payments p ON p.invoice_id = i.id
         WHERE s.user_id = $1
        """, user);

    [Fact]
    public async Task An_unpaid_checkout_is_withdrawn_by_the_first_housekeeping_run_after_its_link_expired_plus_the_grace_hour()
    {
        await _w.CheckoutAsync("u_gone", _w.Starter);
        var expiry = new DateTimeOffset(await ExpiryAsync("u_gone"), TimeSpan.Zero);

        _w.H.Api.Clock.SetUtcNow(expiry + TimeSpan.FromMinutes(59)); // still within the grace hour
        var early = await HousekeepingAsync();
        Assert.Equal(0, Count(early, "checkouts_expired"));
        Assert.Equal("incomplete|pending|pending", await StateAsync("u_gone"));

        _w.H.Api.Clock.SetUtcNow(expiry + TimeSpan.FromMinutes(61));
        var late = await HousekeepingAsync();

        Assert.Equal(1, Count(late, "expired"));
        Assert.Equal(1, Count(late, "checkouts_expired"));
        Assert.Equal("canceled|cancelled|expired", await StateAsync("u_gone"));
        Assert.Equal("Checkout not paid", await _w.H.Db.ScalarAsync<string>("SELECT cancel_reason FROM subscriptions WHERE user_id = 'u_gone'"));
        Assert.Equal(0, await _w.H.Db.ScalarAsync<long>("SELECT count(*) FROM job_runs WHERE job IN ('renewal', 'retry')"));
    }

    [Fact]
    public async Task A_checkout_paid_at_iPaymu_whose_callback_was_lost_is_activated_by_housekeeping_not_withdrawn()
    {
        await _w.CheckoutAsync("u_paid", _w.Pro);
        var reference = await _w.H.Db.ScalarAsync<string>(
            "SELECT p.reference_id FROM payments p JOIN invoices i ON i.id = p.invoice_id WHERE i.user_id = 'u_paid'");
        _w.H.StandIn.Act(reference, "pay"); // paid; the callback never arrives
        var expiry = new DateTimeOffset(await ExpiryAsync("u_paid"), TimeSpan.Zero);

        _w.H.Api.Clock.SetUtcNow(expiry + TimeSpan.FromMinutes(61));
        var run = await HousekeepingAsync();

        Assert.Equal(0, Count(run, "checkouts_expired"));
        Assert.Equal("active|paid|paid", await StateAsync("u_paid"));
        Assert.Equal(1_000, await _w.BalanceAsync("u_paid", "interaction"));
        Assert.Equal(1, await _w.H.Db.ScalarAsync<long>("SELECT count(*) FROM credit_transactions WHERE user_id = 'u_paid' AND credit_type = 'interaction'"));
    }
}
