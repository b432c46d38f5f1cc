using System.Net;
using System.Text.Json;
using BillingCycle.Api.Infrastructure.Http;
using BillingCycle.Api.Portal.Handlers;
using BillingCycle.Api.Subscriptions;
using BillingCycle.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace BillingCycle.IntegrationTests.Portal;

/// <summary>A pack's form key: kept whatever the client does once claimed, and the signed-in user's own.</summary>
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

    [Fact]
    public async Task Another_user_sending_the_same_form_key_for_the_same_pack_gets_an_invoice_of_their_own()
    {
        await PackAsync();
        await Seed.UserAsync(_w.H.Db, "u_key_a");
        await Seed.UserAsync(_w.H.Db, "u_key_b");
        var a = await PortalWorld.EnterAsync(_w, "u_key_a");
        var b = await PortalWorld.EnterAsync(_w, "u_key_b");
        var formA = await BuyFormAsync(a);
        var formB = await BuyFormAsync(b);

        using var boughtA = await a.PostAsync(formA.Action, formA.Token, ("idempotency_key", formA.Key));
        // B's own session and antiforgery token, A's key: the key is scoped per user (idempotency_keys' primary key).
        using var boughtB = await b.PostAsync(formB.Action, formB.Token, ("idempotency_key", formA.Key));

        Assert.Equal(HttpStatusCode.SeeOther, boughtA.StatusCode);
        Assert.Equal(HttpStatusCode.SeeOther, boughtB.StatusCode);
        Assert.NotEqual(boughtA.Headers.Location, boughtB.Headers.Location);
        Assert.Equal("1|1", await _w.H.Db.ScalarAsync<string>("""
            SELECT count(*) FILTER (WHERE user_id = 'u_key_a') || '|' || count(*) FILTER (WHERE user_id = 'u_key_b')
              FROM invoices WHERE kind = 'credit_pack'
            """));
        Assert.Equal(2, await _w.H.Db.ScalarAsync<long>("SELECT count(*) FROM idempotency_keys WHERE key = $1", formA.Key));
    }
}
