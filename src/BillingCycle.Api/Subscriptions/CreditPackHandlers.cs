using System.Security.Claims;
using System.Text.Json;
using BillingCycle.Api.Infrastructure.Auth;
using BillingCycle.Api.Infrastructure.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BillingCycle.Api.Subscriptions;

/// <summary>What the credit pack handlers need, bundled.</summary>
public sealed record CreditPackServices(
    HttpRequest Request, ClaimsPrincipal User, CreditPackCheckout Checkout, SubscriptionReader Reader, CancellationToken Cancellation);

/// <summary>Credit packs (contract §11.4): the list, a purchase, and an admin's new pack.</summary>
public static class CreditPackHandlers
{
    public static async Task<Ok<CreditPacksAnswer>> List(CreditPackStore packs, CancellationToken ct) =>
        TypedResults.Ok(new CreditPacksAnswer(await packs.ActiveAsync(ct)));

    /// <summary>
    /// The purchase and attempt 1's link (CreditPackCheckout; iPaymu down: still 201, the pay page
    /// makes the link later). A signed-in user the web app has not written to users yet is written,
    /// as checkout does.
    /// </summary>
    public static async Task<Results<Created<PackPurchaseAnswer>, JsonHttpResult<ApiError>>> Purchase(
        string id, [AsParameters] CreditPackServices s)
    {
        var body = await Body.ReadAsync(s.Request, required: false, s.Cancellation);
        if (body.Error is { } error)
        {
            return error;
        }
        if (Actor.For(s.User, body.UserId) is not { } userId)
        {
            return SubscriptionHandlers.Forbidden();
        }
        if (!Guid.TryParse(id, out var packId))
        {
            return PackNotFound();
        }
        // From the purchase on, the client aborting cuts nothing off: the purchase commits on its own, and
        // an Idempotency-Key's claim (IdempotencyFilter) must then keep its answer, or a repeat buys again.
        var (purchase, link) = await s.Checkout.BuyAsync(userId, packId, CancellationToken.None);
        switch (purchase.Outcome)
        {
            case PackPurchaseOutcome.PackNotFound:
                return PackNotFound();
            case PackPurchaseOutcome.TooManyOpen:
                return Fail.With(409, $"This user already has {CreditPackStore.MaxOpenInvoices} unpaid credit pack invoices; pay or let one expire first",
                    ErrorCodes.TooManyOpenInvoices);
            case PackPurchaseOutcome.UnderMinCharge:
                return Fail.With(409, "This credit pack is priced under the minimum charge and cannot be bought",
                    ErrorCodes.PackPriceUnderMinimum);
        }
        var invoice = (await s.Reader.InvoiceAsync(purchase.InvoiceId!.Value, userId, CancellationToken.None))!;
        return TypedResults.Created($"/api/invoices/{invoice.Id}", new PackPurchaseAnswer(invoice, link!.Url, invoice.InvoiceUrl));
    }

    /// <summary>POST /api/admin/credit-packs: a new pack, active unless is_active is false.</summary>
    public static async Task<Results<Created<CreditPackView>, JsonHttpResult<ApiError>>> Create(
        HttpRequest request, CreditPackStore packs, CancellationToken ct)
    {
        var read = await JsonBody.ReadObjectAsync(request, ct);
        if (read.Error is { } error)
        {
            return error;
        }
        using var doc = read.Document!;
        var root = doc.RootElement;
        if (MoneyFields.Text(root, "name", 200) is not { } name)
        {
            return Fail.With(400, "name must be 1 to 200 characters", ErrorCodes.InvalidRequest);
        }
        if (!root.TryGetProperty("credit_type", out var t) || t.ValueKind != JsonValueKind.String
            || t.GetString() is not ("interaction" or "scraper"))
        {
            return Fail.With(400, "credit_type must be interaction or scraper", ErrorCodes.InvalidRequest);
        }
        if (MoneyFields.Amount(root, "credits") is not { } credits)
        {
            return Fail.With(400, "credits must be a whole number from 1", ErrorCodes.InvalidAmount);
        }
        if (MoneyFields.Amount(root, "price") is not { } price || price > 1_000_000_000)
        {
            return Fail.With(400, "price must be whole rupiah from 1 to 1,000,000,000", ErrorCodes.InvalidAmount);
        }
        // A pack is never waived (contract §11.4): under iPaymu's minimum it could never be paid.
        if (price < packs.MinPrice)
        {
            return Fail.With(400, $"price must be at least the minimum charge of {packs.MinPrice} rupiah", ErrorCodes.InvalidAmount);
        }
        // Active unless is_active is false; absent or null means the default.
        if (root.TryGetProperty("is_active", out var a) && a.ValueKind is not (JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null))
        {
            return Fail.With(400, "is_active must be true or false", ErrorCodes.InvalidRequest);
        }
        var pack = await packs.CreateAsync(name, t.GetString()!, credits, price, a.ValueKind != JsonValueKind.False, ct);
        return TypedResults.Created($"/api/credit-packs/{pack.Id}", pack);
    }

    private static JsonHttpResult<ApiError> PackNotFound() => Fail.With(404, "No active credit pack with that id", ErrorCodes.PackNotFound);
}
