using BillingCycle.IntegrationTests.Infrastructure;

namespace BillingCycle.IntegrationTests.Settlement;

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

    [Fact]
    public async Task A_second_link_paid_after_it_was_superseded_and_whose_callback_was_lost_is_still_recorded()
    {
        await using var h = await BillingHarness.StartAsync();
        var (sub, user) = await h.DueSubscriptionAsync();
        await h.RenewAsync();
        var first = await h.InvoiceReferenceAsync(sub, 1);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await h.DeliverAsync(h.StandIn.Act(first, "expire"))).StatusCode);
        h.Api.Clock.Advance(TimeSpan.FromDays(1));
        await h.RetryAsync(); // retry 1: attempt 2 with a new link
        var second = await h.InvoiceReferenceAsync(sub, 2);

        // The customer pays both links. The second's callback is lost; the first's arrives, settles
        // the invoice and supersedes the (still pending) second attempt.
        h.StandIn.Act(second, "pay");
        Assert.Equal(System.Net.HttpStatusCode.OK, (await h.DeliverAsync(h.StandIn.Act(first, "pay"))).StatusCode);
        Assert.Equal("expired", await h.Db.ScalarAsync<string>("SELECT status FROM payments WHERE reference_id = $1", second));

        var run = await h.RetryAsync();

        var reconciliation = run.GetProperty("reconciliation");
        Assert.True(reconciliation.TryGetProperty("late_invoice_already_paid", out var late) && late.GetInt32() == 1, reconciliation.ToString());
        Assert.Equal("paid|invoice_already_paid", await h.Db.ScalarAsync<string>(
            "SELECT status || '|' || oddity FROM payments WHERE reference_id = $1", second));
        Assert.Equal(1, await h.Db.ScalarAsync<long>("SELECT count(*) FROM credit_transactions WHERE user_id = $1 AND kind = 'reset'", user));
        Assert.Equal(1, await h.Db.ScalarAsync<long>("SELECT count(*) FROM invoices WHERE status = 'paid'"));
        // A second run finds nothing more to do.
        Assert.False((await h.RetryAsync()).GetProperty("reconciliation").TryGetProperty("late_invoice_already_paid", out _));
    }
}
