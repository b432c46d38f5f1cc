using BillingCycle.Api.Billing.Links;

namespace BillingCycle.Api.Subscriptions;

/// <summary>
/// Buying a credit pack (contract §11.4), the one sequence the API's purchase and the portal's buy
/// form both run: one transaction makes the invoice (no subscription) and attempt 1, then iPaymu is
/// asked for the link, as checkout does (iPaymu down: the pay page makes the link later).
/// </summary>
public sealed class CreditPackCheckout(CreditPackStore packs, LifecycleStore lifecycle, PaymentLinks links)
{
    /// <summary>The purchase, and attempt 1's link when the purchase was made (null when refused).</summary>
    public async Task<(PackPurchase Purchase, LinkOutcome? Link)> BuyAsync(string userId, Guid packId, CancellationToken ct)
    {
        var purchase = await packs.BuyAsync(userId, packId, ct);
        if (purchase.Outcome != PackPurchaseOutcome.Created)
        {
            return (purchase, null);
        }
        return (purchase, await links.CreateAsync(await lifecycle.WorkAsync(purchase.PaymentId!.Value, ct)));
    }
}
