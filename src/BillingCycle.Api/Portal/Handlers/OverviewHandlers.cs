using BillingCycle.Api.Portal.Pages;
using BillingCycle.Api.Subscriptions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace BillingCycle.Api.Portal.Handlers;

/// <summary>/portal: plan, status, period, next and open invoice; cancel (with a confirmation page) and resume (contract §7.4).</summary>
public static class OverviewHandlers
{
    public static async Task<RazorComponentResult<OverviewPage>> Show([AsParameters] PortalRequest request, SubscriptionReader reader,
        PlanPreview preview, [FromQuery] string? done)
    {
        var ct = request.Cancellation;
        var subscription = await reader.CurrentAsync(request.UserId, ct);
        var open = subscription is null ? null : await reader.OpenInvoiceAsync(subscription.Id, ct);
        var next = subscription is null ? null : await preview.NextInvoiceAsync(subscription.Id, ct);
        return PortalPage.Render<OverviewPage>(new
        {
            View = request.View(done),
            Subscription = subscription,
            OpenInvoice = open,
            NextAmount = next?.Amount,
            NextOn = next?.On,
            NextCoupon = next?.Coupon,
        });
    }

    public static RazorComponentResult<CancelPage> ConfirmCancel([AsParameters] PortalRequest request) =>
        PortalPage.Render<CancelPage>(new { View = request.View() });

    /// <summary>POST /portal/cancel: at the end of the period, through the API's own store call.</summary>
    public static async Task<Results<PortalRedirect, RazorComponentResult<PortalMessagePage>>> Cancel([AsParameters] PortalRequest request,
        LifecycleStore lifecycle)
    {
        if (await lifecycle.LiveSubscriptionAsync(request.UserId, request.Cancellation) is not { } live
            || await lifecycle.CancelAsync(live, atPeriodEnd: true, request.Cancellation) == CancelOutcome.NotActive)
        {
            return Refused(request, 409, "refused.not_active");
        }
        return PortalRedirect.Local($"{PortalRoutes.Root}?done=cancel_scheduled");
    }

    public static async Task<Results<PortalRedirect, RazorComponentResult<PortalMessagePage>>> Resume([AsParameters] PortalRequest request,
        LifecycleStore lifecycle)
    {
        if (await lifecycle.LiveSubscriptionAsync(request.UserId, request.Cancellation) is not { } live)
        {
            return Refused(request, 409, "refused.not_active");
        }
        return await lifecycle.ResumeAsync(live, request.Cancellation) switch
        {
            ResumeOutcome.NotScheduled => Refused(request, 409, "refused.not_scheduled"),
            ResumeOutcome.NotActive => Refused(request, 409, "refused.not_active"),
            _ => PortalRedirect.Local($"{PortalRoutes.Root}?done=resumed"),
        };
    }

    internal static RazorComponentResult<PortalMessagePage> Refused(PortalRequest request, int status, string key) =>
        PortalPage.Message(status, request.View(), "refused.title", key);
}
