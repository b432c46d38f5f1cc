using BillingCycle.Api.Console.Data;
using BillingCycle.Api.Console.Pages;
using BillingCycle.Api.Console.Seams;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace BillingCycle.Api.Console.Handlers;

/// <summary>The fields of the "New coupon" form, as typed.</summary>
public readonly record struct NewCouponForm(
    [FromForm] string? Code, [FromForm] string? Name, [FromForm] string? Kind, [FromForm] string? Value,
    [FromForm] string? Duration, [FromForm(Name = "duration_in_periods")] string? DurationInPeriods,
    [FromForm(Name = "max_redemptions")] string? MaxRedemptions, [FromForm(Name = "redeem_by")] string? RedeemBy,
    [FromForm] string? Reason);

/// <summary>GET /admin/coupons, POST /admin/coupons and /admin/coupons/{id}/deactivate (contract §11.3), through <see cref="ICouponConsole"/>.</summary>
public static class CouponConsoleHandlers
{
    public static async Task<RazorComponentResult<CouponsPage>> List(
        [AsParameters] ConsoleRequest request, ICouponConsole coupons, string? done, CancellationToken ct) =>
        ConsolePage.Render<CouponsPage>(new { View = request.View(Notices.For(done)), Coupons = await coupons.ListAsync(ct) });

    public static async Task<Results<SeeOther, RazorComponentResult<MessagePage>>> Create(
        [AsParameters] ConsoleRequest request, [AsParameters] NewCouponForm form, ICouponConsole coupons, OperatorLog log, CancellationToken ct)
    {
        if (ActionInput.Clean(form.Reason, ActionInput.MaxReason) is not { } why)
        {
            return ActionInput.Missing("Reason", request.View(), ConsoleRoutes.Coupons);
        }
        var action = new OperatorAction(request.OperatorId, why);
        // One value field and a choice of what it is: the API's "exactly one of percent_off and amount_off".
        var percent = form.Kind == "percent" ? form.Value?.Trim() : null;
        var amount = form.Kind == "amount" ? form.Value?.Trim().Replace(".", "", StringComparison.Ordinal) : null;
        var outcome = await coupons.CreateAsync(new CouponForm(form.Code, form.Name, percent, amount, form.Duration,
            form.DurationInPeriods, form.MaxRedemptions, ToUtc(form.RedeemBy)), ct);
        await log.WriteAsync(action, "create_coupon", null, null, new { code = form.Code }, outcome);
        if (outcome is { Status: ActionStatus.Refused, Code: not "COUPON_CODE_TAKEN" })
        {
            return ConsolePage.Message(400, "Coupon not created", $"{outcome.Message} ({outcome.Code})", ConsoleRoutes.Coupons, "Back", request.View());
        }
        return ActionPages.After(outcome, request.View(), ConsoleRoutes.Coupons, "coupon_created", "Coupon not created");
    }

    public static async Task<Results<SeeOther, RazorComponentResult<MessagePage>>> Deactivate(
        [AsParameters] ConsoleRequest request, ICouponConsole coupons, OperatorLog log, Guid id, [FromForm] string? reason, CancellationToken ct)
    {
        if (ActionInput.Clean(reason, ActionInput.MaxReason) is not { } why)
        {
            return ActionInput.Missing("Reason", request.View(), ConsoleRoutes.Coupons);
        }
        var action = new OperatorAction(request.OperatorId, why);
        var outcome = await coupons.DeactivateAsync(id, ct);
        await log.WriteAsync(action, "deactivate_coupon", null, null, new { coupon_id = id }, outcome);
        return ActionPages.After(outcome, request.View(), ConsoleRoutes.Coupons, "coupon_deactivated", "Coupon not deactivated");
    }

    /// <summary>A browser's datetime-local (no offset) is a time in Asia/Jakarta, where operators work.</summary>
    private static string? ToUtc(string? local) =>
        string.IsNullOrWhiteSpace(local) ? null
        : DateTime.TryParse(local, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var t)
            ? new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Unspecified), TimeSpan.FromHours(7)).ToString("O")
            : local;
}
