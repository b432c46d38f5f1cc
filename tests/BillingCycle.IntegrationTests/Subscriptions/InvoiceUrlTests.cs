using BillingCycle.IntegrationTests.Infrastructure;

namespace BillingCycle.IntegrationTests.Subscriptions;

/// <summary>contract §7.6: every billing notification about an invoice carries its pay page beside the iPaymu link.</summary>
public sealed class InvoiceUrlTests
{
    [Fact]
    public async Task Payment_due_failed_and_success_notifications_link_to_the_invoices_pay_page()
    {
        await using var h = await BillingHarness.StartAsync();
        var (sub, user) = await h.DueSubscriptionAsync();
        await h.RenewAsync();
        await h.DeliverAsync(h.StandIn.Act(await h.InvoiceReferenceAsync(sub), "expire"));
        h.Api.Clock.Advance(TimeSpan.FromDays(1));
        await h.RetryAsync();
        await h.DeliverAsync(h.StandIn.Act(await h.InvoiceReferenceAsync(sub, attempt: 2), "pay"));

        var token = await h.Db.ScalarAsync<string>("SELECT public_token FROM invoices WHERE subscription_id = $1", sub);
        var rows = await h.Db.ListAsync<string>(
            "SELECT type || '=' || coalesce(data->>'invoice_url', 'none') FROM notifications WHERE user_id = $1 ORDER BY created_at, type", user);

        Assert.Equal(4, rows.Count); // due, failed, retry due, success
        Assert.All(rows, r => Assert.EndsWith($"=https://billing.test/pay/{token}", r, StringComparison.Ordinal));
        Assert.True(token.Length >= 32, "at least 128 random bits");
        Assert.Equal(2, await h.Db.ScalarAsync<long>(
            "SELECT count(*) FROM notifications WHERE user_id = $1 AND data ? 'payment_url' AND data ? 'invoice_url'", user));
    }
}
