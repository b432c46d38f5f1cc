using BillingCycle.Api.Credits;
using BillingCycle.Api.Portal.Pages;
using BillingCycle.Api.Subscriptions;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BillingCycle.Api.Portal.Handlers;

/// <summary>/portal/invoices (with PDF and pay links), paying one, and /portal/credits.</summary>
public static class InvoiceHandlers
{
    public const int PageSize = 50;

    public static async Task<RazorComponentResult<InvoicesPage>> List([AsParameters] PortalRequest request, SubscriptionReader reader) =>
        PortalPage.Render<InvoicesPage>(new
        {
            View = request.View(),
            Invoices = await reader.InvoicesAsync(request.UserId, PageSize, null, request.Cancellation),
        });

    /// <summary>
    /// POST /portal/invoices/{id}/pay: the API's pay-now (contract §7.6) after the API's ownership
    /// check: an invoice of anyone else is "not found" and nothing is made for it.
    /// </summary>
    public static async Task<Results<PortalRedirect, RazorComponentResult<PortalMessagePage>>> Pay(Guid id,
        [AsParameters] PortalRequest request, SubscriptionReader reader, PayNow payNow)
    {
        if (await reader.InvoiceAsync(id, request.UserId, request.Cancellation) is null)
        {
            return OverviewHandlers.Refused(request, 404, "refused.invoice_not_found");
        }
        var link = await payNow.LinkAsync(id, request.Cancellation);
        return link.Result switch
        {
            PayLinkResult.Ready => PortalRedirect.Gateway(link.Url!),
            PayLinkResult.NotOpen => OverviewHandlers.Refused(request, 409, "refused.not_open"),
            PayLinkResult.TooMany => OverviewHandlers.Refused(request, 429, "refused.too_many"),
            _ => OverviewHandlers.Refused(request, 503, "refused.gateway"),
        };
    }

    /// <summary>On to an invoice's own pay page (contract §7.6), in the portal's language: after a checkout, an upgrade, a pack.</summary>
    public static async Task<PortalRedirect> PayPageAsync(PortalRequest request, SubscriptionReader reader, Guid invoiceId)
    {
        var invoice = await reader.InvoiceAsync(invoiceId, request.UserId, request.Cancellation);
        var path = PortalRoutes.Local(invoice?.InvoiceUrl) ?? PortalRoutes.Invoices;
        return PortalRedirect.Local(request.Customer.Locale == "en" ? path + "?lang=en" : path);
    }

    public const int LedgerRows = 20;

    /// <summary>/portal/credits: balances, the newest ledger rows and the active credit packs (GET /api/credit-packs), each with its buy form.</summary>
    public static async Task<RazorComponentResult<CreditsPage>> Credits([AsParameters] PortalRequest request, CreditStore credits,
        CreditPackStore packs) =>
        PortalPage.Render<CreditsPage>(new
        {
            View = request.View(),
            Balance = await credits.BalanceAsync(request.UserId, request.Cancellation),
            Ledger = await credits.LedgerAsync(request.UserId, null, LedgerRows, null, request.Cancellation),
            Packs = await packs.ActiveAsync(request.Cancellation),
        });
}
