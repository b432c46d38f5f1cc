using System.Net;
using System.Text.Json;
using BillingCycle.Api.Infrastructure.Http;
using BillingCycle.Api.Portal.Handlers;
using BillingCycle.Api.Subscriptions;
using BillingCycle.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace BillingCycle.IntegrationTests.Portal;

/// <summary>A pack's form key: kept whatever the client does once claimed.</summary>
public sealed partial class PortalPricingTests
{
    private Task<Guid> PackAsync() => _w.H.Db.ScalarAsync<Guid>(
        "INSERT INTO credit_packs (name, credit_type, credits, price) VALUES ('Scraper 1K', 'scraper', 1000, 50000) RETURNING id");

    private Task<long> PackInvoicesAsync(string user) => _w.H.Db.ScalarAsync<long>(
        "SELECT count(*) FROM invoices WHERE user_id = $1 AND kind = 'credit_pack'", user);

    [Fact]
    public async Task A_pack_request_aborted_after_its_purchase_committed_still_keeps_its_answer_so_the_repeat_buys_nothing()
    {
        var pack = await PackAsync();
        await Seed.UserAsync(_w.H.Db, "u_abort");
        var services = _w.H.Api.Services;
        var keys = services.GetRequiredService<IdempotencyFilter>();
        var packs = services.GetRequiredService<CreditPackStore>();
        var lifecycle = services.GetRequiredService<LifecycleStore>();
        using var aborted = new CancellationTokenSource();
        // PackHandlers.Buy's change, with the browser dropping the first request of a double click right
        // after billing_buy_credit_pack committed (on its own connection).
        Task<(KeyedRun Run, string? Json)> SendAsync(CancellationToken requestAborted) => keys.RunOnceAsync(
            "u_abort", PackHandlers.Endpoint, "form-key-abort", "same-pack", async ct =>
            {
                var purchase = await packs.BuyAsync("u_abort", pack, ct);
                await aborted.CancelAsync();
                ct.ThrowIfCancellationRequested(); // what the next call on the request's token would do
                await lifecycle.WorkAsync(purchase.PaymentId!.Value, ct);
                return JsonSerializer.Serialize(new PackHandlers.PackBought(purchase.InvoiceId!.Value));
            }, requestAborted);

        var first = await SendAsync(aborted.Token);
        Assert.Equal(KeyedRun.Ran, first.Run);
        var repeat = await SendAsync(CancellationToken.None);
        Assert.Equal(KeyedRun.Replayed, repeat.Run);
        Assert.Equal(JsonSerializer.Deserialize<PackHandlers.PackBought>(first.Json!), JsonSerializer.Deserialize<PackHandlers.PackBought>(repeat.Json!));
        Assert.Equal(1, await PackInvoicesAsync("u_abort"));
        Assert.Equal(1, await _w.H.Db.ScalarAsync<long>(
            "SELECT count(*) FROM idempotency_keys WHERE user_id = 'u_abort' AND key = 'form-key-abort' AND response IS NOT NULL"));
    }
}
