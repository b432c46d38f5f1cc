using BillingCycle.Api.Invoices;
using BillingCycle.Api.Infrastructure.Time;
using BillingCycle.Api.Subscriptions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace BillingCycle.Api.PayPage;

/// <summary>What the pay page handlers need, bundled.</summary>
public sealed record PayPageServices(PayPageStore Store, PayNow PayNow, SellerDetails Seller, CustomerTime Zone, CancellationToken Cancellation);

/// <summary>GET and POST /pay/{token} (contract §7.6): the page, and "Bayar sekarang" → 303 to a live iPaymu link.</summary>
public static class PayPageHandlers
{
    public static async Task<RazorComponentResult<PayPageView>> Show(string token, [FromQuery] string? lang, [AsParameters] PayPageServices s)
    {
        var invoice = await s.Store.ByTokenAsync(token, s.Cancellation);
        var notes = invoice is { Status: "paid" or "refunded" } ? await s.Store.CreditNotesAsync(invoice.Id, s.Cancellation) : null;
        return Page(token, lang, invoice, s, null, invoice is null ? 404 : 200, notes);
    }

    public static async Task<Results<RedirectToGateway, RazorComponentResult<PayPageView>>> Pay(
        string token, [FromQuery] string? lang, [AsParameters] PayPageServices s)
    {
        var invoice = await s.Store.ByTokenAsync(token, s.Cancellation);
        if (invoice is null)
        {
            return Page(token, lang, null, s, null, 404);
        }
        var text = PayPageText.For(lang);
        var link = await s.PayNow.LinkAsync(invoice.Id, s.Cancellation);
        return link.Result switch
        {
            PayLinkResult.Ready => new RedirectToGateway(link.Url!),
            PayLinkResult.TooMany => Page(token, lang, invoice, s, text.TryAgain, 429),
            PayLinkResult.GatewayUnavailable or PayLinkResult.Refused => Page(token, lang, invoice, s, text.GatewayDown, 503),
            // Not open (paid meanwhile, or cancelled): the page as it is now.
            _ => Page(token, lang, await s.Store.ByTokenAsync(token, s.Cancellation), s, null, 409),
        };
    }

    /// <summary>The pay page's 404 (an unknown token), for the PDF's path too.</summary>
    internal static RazorComponentResult<PayPageView> NotFoundPage(string token, string? lang, SellerDetails seller) =>
        Page(token, lang, null, seller, CustomerTime.Jakarta, null, 404);

    private static RazorComponentResult<PayPageView> Page(string token, string? lang, PayPageInvoice? invoice, PayPageServices s,
        string? message, int status, IReadOnlyList<PayPageCreditNote>? creditNotes = null) =>
        Page(token, lang, invoice, s.Seller, s.Zone, message, status, creditNotes);

    private static RazorComponentResult<PayPageView> Page(string token, string? lang, PayPageInvoice? invoice, SellerDetails seller,
        CustomerTime zone, string? message, int status, IReadOnlyList<PayPageCreditNote>? creditNotes = null) =>
        new(new { Invoice = invoice, Text = PayPageText.For(lang).In(zone), Seller = seller, Token = token, Message = message, CreditNotes = creditNotes })
        {
            StatusCode = status,
        };
}
