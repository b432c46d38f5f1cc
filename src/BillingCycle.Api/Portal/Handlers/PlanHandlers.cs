using BillingCycle.Api.Billing.Links;
using BillingCycle.Api.Infrastructure.Time;
using BillingCycle.Api.Portal.Pages;
using BillingCycle.Api.Subscriptions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace BillingCycle.Api.Portal.Handlers;

/// <summary>What the plans handlers need beside the request, bundled.</summary>
public sealed record PlanServices(SubscriptionReader Reader, LifecycleStore Lifecycle, PaymentLinks Links, PlanPreview Preview, BillingClock Clock);

/// <summary>
/// /portal/plans: the active plans; choosing one shows what it will do (prorated amount, date)
/// before a confirmation posts it. The change or checkout is the API's own sequence of calls
/// (LifecycleStore, then PaymentLinks for an invoice: contract §7.2, §7.5), then the invoice's pay page.
/// </summary>
public static class PlanHandlers
{
    public static async Task<RazorComponentResult<PlansPage>> Show([AsParameters] PortalRequest request, [AsParameters] PlanServices s,
        [FromQuery] string? choose, [FromQuery] string? done)
    {
        var ct = request.Cancellation;
        var live = await s.Lifecycle.LiveSubscriptionAsync(request.UserId, ct);
        var current = live is { } id ? await s.Reader.SubscriptionAsync(id, ct) : null;
        var preview = Guid.TryParse(choose, out var planId) ? await s.Preview.ForAsync(live, planId, s.Clock.UtcNow, ct) : null;
        return PortalPage.Render<PlansPage>(new
        {
            View = request.View(done),
            Plans = await s.Reader.PlansAsync(ct),
            Current = current,
            Preview = preview,
        }, preview?.Kind == PreviewKind.NotAvailable ? 404 : 200);
    }

    public static async Task<Results<PortalRedirect, RazorComponentResult<PortalMessagePage>>> Choose([AsParameters] PortalRequest request,
        [AsParameters] PlanServices s)
    {
        var ct = request.Cancellation;
        var choice = PlanChoice.From(await request.Http.Request.ReadFormAsync(ct));
        if (choice is null)
        {
            return OverviewHandlers.Refused(request, 404, "refused.plan_not_found");
        }
        if (await s.Lifecycle.LiveSubscriptionAsync(request.UserId, ct) is not { } live)
        {
            var checkout = await s.Lifecycle.CheckoutAsync(request.UserId, choice.PlanId, null, ct);
            switch (checkout.Outcome)
            {
                case CheckoutOutcome.PlanNotFound:
                    return OverviewHandlers.Refused(request, 404, "refused.plan_not_found");
                case CheckoutOutcome.SubscriptionExists:
                    return OverviewHandlers.Refused(request, 409, "refused.exists");
                case CheckoutOutcome.TrialAlreadyUsed or CheckoutOutcome.CouponRefused:
                    // Not asked for here (no trial flag, no coupon code): the API's own refusals.
                    return OverviewHandlers.Refused(request, 409, "refused.not_active");
                case CheckoutOutcome.Trialing:
                    // A trial has nothing to pay until its end (contract §11.2).
                    return PortalRedirect.Local($"{PortalRoutes.Root}?done=upgraded");
                case CheckoutOutcome.Waived:
                    return await PayPageAsync(request, s, checkout.InvoiceId!.Value);
            }
            await s.Links.CreateAsync(await s.Lifecycle.WorkAsync(checkout.PaymentId!.Value, ct));
            return await PayPageAsync(request, s, checkout.InvoiceId!.Value);
        }
        var change = await s.Lifecycle.ChangePlanAsync(live, choice.PlanId, ct);
        switch (change.Outcome)
        {
            case PlanChangeOutcome.NotActive:
                return OverviewHandlers.Refused(request, 409, "refused.not_active");
            case PlanChangeOutcome.PlanNotFound:
                return OverviewHandlers.Refused(request, 404, "refused.plan_not_found");
            case PlanChangeOutcome.Invoiced:
                await s.Links.CreateAsync(await s.Lifecycle.WorkAsync(change.PaymentId!.Value, ct));
                return await PayPageAsync(request, s, change.InvoiceId!.Value);
            case PlanChangeOutcome.Upgraded:
                return PortalRedirect.Local($"{PortalRoutes.Root}?done=upgraded");
            case PlanChangeOutcome.Scheduled:
                return PortalRedirect.Local($"{PortalRoutes.Root}?done=scheduled");
            default:
                return PortalRedirect.Local($"{PortalRoutes.Root}?done=unchanged");
        }
    }

    /// <summary>On to the invoice's own pay page (contract §7.6), in the portal's language.</summary>
    private static async Task<Results<PortalRedirect, RazorComponentResult<PortalMessagePage>>> PayPageAsync(
        PortalRequest request, PlanServices s, Guid invoiceId)
    {
        var invoice = await s.Reader.InvoiceAsync(invoiceId, request.UserId, request.Cancellation);
        var path = PortalRoutes.Local(invoice?.InvoiceUrl) ?? PortalRoutes.Invoices;
        return PortalRedirect.Local(request.Customer.Locale == "en" ? path + "?lang=en" : path);
    }
}

/// <summary>
/// The plan form's fields, read in one place. A coupon code (contract §11.3) joins here as one more
/// optional field, and the plans page's <c>PlanChoiceExtras</c> renders its input.
/// </summary>
public sealed record PlanChoice(Guid PlanId)
{
    public static PlanChoice? From(IFormCollection form) =>
        Guid.TryParse(form["plan_id"].ToString(), out var id) ? new PlanChoice(id) : null;
}
