using BillingCycle.Api.Billing.Links;
using BillingCycle.Api.Coupons;
using BillingCycle.Api.Infrastructure.Time;
using BillingCycle.Api.Portal.Pages;
using BillingCycle.Api.Subscriptions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace BillingCycle.Api.Portal.Handlers;

/// <summary>What the plans handlers need beside the request, bundled.</summary>
public sealed record PlanServices(SubscriptionReader Reader, LifecycleStore Lifecycle, PaymentLinks Links, PlanPreview Preview, BillingClock Clock);

/// <summary>
/// /portal/plans: the active plans; choosing one shows what it will do (prorated amount, date,
/// trial, coupon) before a confirmation posts it. The change or checkout is the API's own sequence of calls
/// (LifecycleStore, then PaymentLinks for an invoice: contract §7.2, §7.5), then the invoice's pay page.
/// </summary>
public static class PlanHandlers
{
    public static async Task<RazorComponentResult<PlansPage>> Show([AsParameters] PortalRequest request, [AsParameters] PlanServices s,
        [FromQuery] string? choose, [FromQuery] string? coupon, [FromQuery] string? done)
    {
        var live = await s.Lifecycle.LiveSubscriptionAsync(request.UserId, request.Cancellation);
        var preview = Guid.TryParse(choose, out var planId)
            ? await s.Preview.ForAsync(request.UserId, live, planId, PlanChoice.Code(coupon), s.Clock.UtcNow, request.Cancellation)
            : null;
        return await PageAsync(request, s, live, preview, null, preview?.Kind == PreviewKind.NotAvailable ? 404 : 200, done);
    }

    public static async Task<Results<PortalRedirect, RazorComponentResult<PlansPage>, RazorComponentResult<PortalMessagePage>>> Choose(
        [AsParameters] PortalRequest request, [AsParameters] PlanServices s)
    {
        var ct = request.Cancellation;
        var choice = PlanChoice.From(await request.Http.Request.ReadFormAsync(ct));
        if (choice is null)
        {
            return OverviewHandlers.Refused(request, 404, "refused.plan_not_found");
        }
        var current = await s.Lifecycle.LiveSubscriptionAsync(request.UserId, ct);
        // The form says what its preview showed; a stale one (a checkout with a coupon, and a subscription
        // started meanwhile) is refused rather than turned into the other action, its coupon dropped.
        if (choice.Checkout is { } previewed && previewed != current is null)
        {
            return previewed ? OverviewHandlers.Refused(request, 409, "refused.exists") : OverviewHandlers.Refused(request, 409, "refused.not_active");
        }
        if (current is not { } live)
        {
            var checkout = await s.Lifecycle.CheckoutAsync(request.UserId, choice.PlanId, choice.CouponCode, ct, choice.Trial);
            switch (checkout.Outcome)
            {
                case CheckoutOutcome.PlanNotFound:
                    return OverviewHandlers.Refused(request, 404, "refused.plan_not_found");
                case CheckoutOutcome.SubscriptionExists:
                    return OverviewHandlers.Refused(request, 409, "refused.exists");
                case CheckoutOutcome.CouponRefused:
                    // The refusal beside the coupon field of the same preview, the other fields as typed.
                    var preview = await s.Preview.ForAsync(request.UserId, null, choice.PlanId, choice.CouponCode, s.Clock.UtcNow, ct);
                    return await PageAsync(request, s, null, preview with { CouponRefusal = checkout.Coupon }, null,
                        checkout.Coupon == CouponOutcome.NotFound ? 404 : 409, null);
                case CheckoutOutcome.TrialAlreadyUsed:
                    return OverviewHandlers.Refused(request, 409, "refused.trial_used");
                case CheckoutOutcome.Trialing:
                    // A trial has nothing to pay until its end (contract §11.2).
                    return PortalRedirect.Local($"{PortalRoutes.Root}?done=trial_started");
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

    /// <summary>
    /// POST /portal/coupon: a coupon on the live subscription, from its next invoice on — the API's
    /// own call (LifecycleStore.RedeemCouponAsync, contract §11.3); a refusal beside the field.
    /// </summary>
    public static async Task<Results<PortalRedirect, RazorComponentResult<PlansPage>, RazorComponentResult<PortalMessagePage>>> RedeemCoupon(
        [AsParameters] PortalRequest request, [AsParameters] PlanServices s)
    {
        var ct = request.Cancellation;
        var typed = (await request.Http.Request.ReadFormAsync(ct))["coupon_code"].ToString();
        var live = await s.Lifecycle.LiveSubscriptionAsync(request.UserId, ct);
        if (PlanChoice.Code(typed) is not { } code)
        {
            // Nothing typed: the API's 400 INVALID_COUPON_CODE.
            return await PageAsync(request, s, live, null, new CouponField(typed, "coupon.invalid"), 400, null);
        }
        var (outcome, _) = await s.Lifecycle.RedeemCouponAsync(request.UserId, code, ct);
        return outcome switch
        {
            CouponOutcome.Redeemed => PortalRedirect.Local($"{PortalRoutes.Root}?done=coupon_applied"),
            CouponOutcome.NoSubscription => OverviewHandlers.Refused(request, 409, "refused.not_active"),
            _ => await PageAsync(request, s, live, null, new CouponField(code, PortalText.CouponKey(outcome)),
                outcome == CouponOutcome.NotFound ? 404 : 409, null),
        };
    }

    private static async Task<RazorComponentResult<PlansPage>> PageAsync(PortalRequest request, PlanServices s, Guid? live,
        PlanPreviewResult? preview, CouponField? redeem, int status, string? done)
    {
        var current = live is { } id ? await s.Reader.SubscriptionAsync(id, request.Cancellation) : null;
        return PortalPage.Render<PlansPage>(new
        {
            View = request.View(done),
            Plans = await s.Reader.PlansAsync(request.Cancellation),
            Current = current,
            Preview = preview,
            Redeem = redeem ?? new CouponField(null, null),
            TrialUsed = await s.Preview.HadTrialAsync(request.UserId, request.Cancellation),
        }, status);
    }

    private static Task<PortalRedirect> PayPageAsync(PortalRequest request, PlanServices s, Guid invoiceId) =>
        InvoiceHandlers.PayPageAsync(request, s.Reader, invoiceId);
}

/// <summary>The live subscription's coupon form: what was typed and the key of its refusal's words.</summary>
public sealed record CouponField(string? Code, string? ErrorKey);

/// <summary>
/// The plan form's fields, read in one place: the plan, a coupon code (contract §11.3), the
/// trial the preview showed (contract §11.2: "true" asks for it, "false" declines it) and what the
/// preview was (<see cref="KindField"/>: a checkout, or a change of the live subscription; absent:
/// whichever the live subscription makes it).
/// </summary>
public sealed record PlanChoice(Guid PlanId, string? CouponCode, bool? Trial, bool? Checkout)
{
    public const string KindField = "kind";
    public const string CheckoutKind = "checkout";
    public const string ChangeKind = "change";

    public static PlanChoice? From(IFormCollection form) =>
        Guid.TryParse(form["plan_id"].ToString(), out var id)
            ? new PlanChoice(id, Code(form["coupon_code"].ToString()), form["trial"].ToString() switch { "true" => true, "false" => false, _ => null },
                form[KindField].ToString() switch { CheckoutKind => true, ChangeKind => false, _ => null })
            : null;

    /// <summary>A typed code: blank is none; anything else is looked up (cut to the longest a code may be, so a longer one is not found).</summary>
    public static string? Code(string? typed) =>
        typed?.Trim() is { Length: > 0 } code ? code[..Math.Min(code.Length, CouponRules.MaxCodeLength)] : null;
}
