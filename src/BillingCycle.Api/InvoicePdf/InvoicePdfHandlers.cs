using System.Security.Claims;
using BillingCycle.Api.Infrastructure.Auth;
using BillingCycle.Api.Infrastructure.Http;
using BillingCycle.Api.Invoices;
using BillingCycle.Api.PayPage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace BillingCycle.Api.InvoicePdf;

/// <summary>
/// The PDF invoice (contract §7.7): GET /pay/{token}/invoice.pdf for anyone with the pay page's link,
/// GET /api/invoices/{id}/pdf for its own user. Bahasa Indonesia by default, ?lang=en for English.
/// </summary>
public static class InvoicePdfHandlers
{
    public static async Task<Results<PdfFile, RazorComponentResult<PayPageView>>> ByToken(
        string token, [FromQuery] string? lang, PayPageStore store, InvoicePdfRenderer renderer, InvoicePdfCache cache, SellerDetails seller,
        CancellationToken ct)
    {
        var invoice = await store.ByTokenAsync(token, ct);
        return invoice is null
            ? PayPageHandlers.NotFoundPage(token, lang, seller)
            : Pdf(invoice, lang, renderer, cache);
    }

    public static async Task<Results<PdfFile, JsonHttpResult<ApiError>>> ById(
        string id, ClaimsPrincipal user, PayPageStore store, InvoicePdfRenderer renderer, InvoicePdfCache cache, [FromQuery] string? lang,
        [FromQuery(Name = "user_id")] string? requested, CancellationToken ct)
    {
        if (Actor.For(user, requested) is not { } userId)
        {
            return Actor.Refused();
        }
        return Guid.TryParse(id, out var invoiceId) && await store.ByIdAsync(invoiceId, userId, ct) is { } invoice
            ? Pdf(invoice, lang, renderer, cache)
            : Fail.With(404, "No such invoice", ErrorCodes.InvoiceNotFound);
    }

    private static PdfFile Pdf(PayPageInvoice invoice, string? lang, InvoicePdfRenderer renderer, InvoicePdfCache cache)
    {
        var text = PayPageText.For(lang);
        return new(cache.GetOrRender(invoice, text, () => renderer.Render(invoice, text)), invoice.InvoiceNumber);
    }
}
