using BillingCycle.IntegrationTests.Infrastructure;

namespace BillingCycle.IntegrationTests.Billing;

/// <summary>
/// Reconciliation must never take a truncated read of iPaymu's history as proof that a customer
/// did not pay. (Found by the seeded simulation: with more transactions than the pages it read,
/// a paid link whose callback was lost was expired, and the payment was never recorded.)
/// </summary>
public sealed class ReconciliationTests
{
    [Fact]
    public async Task A_paid_link_beyond_the_history_pages_read_stays_open_instead_of_being_expired()
    {
        // One page of 20: the history holds 26 transactions, ours the oldest.
        await using var h = await BillingHarness.StartAsync(new() { ["BILLING_RECONCILE_HISTORY_PAGES"] = "1" });
        var (ours, _) = await h.DueSubscriptionAsync();
        await h.RenewAsync();
        var ourReference = await h.InvoiceReferenceAsync(ours);

        var others = new List<Guid>();
        for (var i = 0; i < 25; i++)
        {
            others.Add((await h.DueSubscriptionAsync()).Subscription);
        }
        await h.RenewAsync();
        foreach (var other in others)
        {
            await Task.Delay(2); // strictly newer transactions than ours
            h.StandIn.Act(await h.InvoiceReferenceAsync(other), "pending"); // a transaction exists, unpaid
        }
        // Paid at iPaymu, the callback lost. Its session is the oldest: last in the newest-first history.
        h.StandIn.Act(ourReference, "pay");

        h.Api.Clock.Advance(TimeSpan.FromHours(26)); // every link is past expiry plus the grace hour
        var run = await h.RetryAsync();

        var reconciliation = run.GetProperty("reconciliation");
        Assert.True(reconciliation.TryGetProperty("history_incomplete", out var unproven) && unproven.GetInt32() >= 1, reconciliation.ToString());
        Assert.Equal("pending", await h.Db.ScalarAsync<string>("SELECT status FROM payments WHERE reference_id = $1", ourReference));
        Assert.Equal("active", await h.Db.ScalarAsync<string>("SELECT status FROM subscriptions WHERE id = $1", ours));
        Assert.Equal(0, await h.Db.ScalarAsync<long>(
            "SELECT count(*) FROM payment_retries r JOIN invoices i ON i.id = r.invoice_id WHERE i.subscription_id = $1", ours));
        // The transactions the page did reach are judged as before: unpaid past grace, expired.
        Assert.True(reconciliation.TryGetProperty("expired", out var expired) && expired.GetInt32() >= 1, reconciliation.ToString());
    }
}
