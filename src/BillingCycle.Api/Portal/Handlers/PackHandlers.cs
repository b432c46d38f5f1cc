using System.Security.Cryptography;
using System.Text.Json;
using BillingCycle.Api.Infrastructure.Http;
using BillingCycle.Api.Portal.Pages;
using BillingCycle.Api.Subscriptions;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BillingCycle.Api.Portal.Handlers;

/// <summary>What buying a pack needs beside the request, bundled.</summary>
public sealed record PackServices(CreditPackCheckout Checkout, SubscriptionReader Reader, IdempotencyFilter Keys);

/// <summary>
/// POST /portal/credits/{id}/buy: a credit pack (contract §11.4) through the API's own sequence
/// (CreditPackCheckout, as CreditPackHandlers.Purchase), then
/// the invoice's pay page. Each rendered buy form carries its own key (<see cref="KeyField"/>),
/// claimed like an Idempotency-Key (IdempotencyFilter.RunOnceAsync): a double click or a form sent
/// again buys once and leads to the same invoice.
/// </summary>
public static class PackHandlers
{
    public const string KeyField = "idempotency_key";

    /// <summary>The key's endpoint: not the API's, so a key of one never answers the other.</summary>
    public const string Endpoint = "POST /portal/credits/buy";

    public static async Task<Results<PortalRedirect, RazorComponentResult<PortalMessagePage>>> Buy(Guid id, [AsParameters] PortalRequest request,
        [AsParameters] PackServices s)
    {
        var key = (await request.Http.Request.ReadFormAsync(request.Cancellation))[KeyField].ToString();
        if (!PortalTokens.LooksValid(key))
        {
            return PortalPage.Message(400, request.View(), "refused.form.title", "refused.form");
        }
        var refusal = PackPurchaseOutcome.Created;
        var (run, json) = await s.Keys.RunOnceAsync(request.UserId, Endpoint, key, Convert.ToHexStringLower(SHA256.HashData(id.ToByteArray())),
            async ct =>
            {
                var (purchase, _) = await s.Checkout.BuyAsync(request.UserId, id, ct); // link unused: the pay page shows it
                if (purchase.Outcome != PackPurchaseOutcome.Created)
                {
                    refusal = purchase.Outcome;
                    return null;
                }
                return JsonSerializer.Serialize(new PackBought(purchase.InvoiceId!.Value));
            }, request.Cancellation);
        return run switch
        {
            KeyedRun.Ran or KeyedRun.Replayed => await InvoiceHandlers.PayPageAsync(request, s.Reader, JsonSerializer.Deserialize<PackBought>(json!)!.InvoiceId),
            KeyedRun.Refused when refusal == PackPurchaseOutcome.TooManyOpen => OverviewHandlers.Refused(request, 409, "refused.too_many_packs"),
            KeyedRun.Refused when refusal == PackPurchaseOutcome.UnderMinCharge => OverviewHandlers.Refused(request, 409, "refused.pack_under_minimum"),
            KeyedRun.Refused when refusal == PackPurchaseOutcome.PackNotFound => OverviewHandlers.Refused(request, 404, "refused.pack_not_found"),
            KeyedRun.Refused => throw new InvalidOperationException($"a pack purchase outcome without a page: {refusal}"),
            // The same form's key for another pack, or its first request still running.
            _ => OverviewHandlers.Refused(request, 409, "refused.form_reused"),
        };
    }

    /// <summary>What is kept with the key: the invoice a repeat leads to.</summary>
    public sealed record PackBought(Guid InvoiceId);
}
