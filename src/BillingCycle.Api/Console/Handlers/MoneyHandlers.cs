using System.Globalization;
using BillingCycle.Api.Console.Data;
using BillingCycle.Api.Console.Pages;
using BillingCycle.Api.Console.Seams;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace BillingCycle.Api.Console.Handlers;

/// <summary>The fields of the customer page's "Record payment" form.</summary>
public readonly record struct PaymentForm(
    [FromForm(Name = "invoice_id")] string? InvoiceId, [FromForm] string? Method, [FromForm] string? Reference,
    [FromForm] string? Amount, [FromForm(Name = "paid_at")] string? PaidAt, [FromForm] string? Reason);

/// <summary>The fields of the customer page's refund form.</summary>
public readonly record struct RefundForm(
    [FromForm(Name = "invoice_id")] string? InvoiceId, [FromForm] string? Amount, [FromForm(Name = "revoke_credits")] string? RevokeCredits,
    [FromForm(Name = "cancel_subscription")] string? CancelSubscription, [FromForm] string? Reason);

/// <summary>POST /admin/customers/{user_id}/payments and /refunds (contract §13): through the API's own code.</summary>
public static class MoneyHandlers
{
    public static async Task<Results<SeeOther, RazorComponentResult<MessagePage>>> RecordPayment(
        [AsParameters] ConsoleRequest request, [AsParameters] PaymentForm form, string userId,
        IManualPaymentActions payments, OperatorLog log, CancellationToken ct)
    {
        var back = ConsoleRoutes.Customer(userId);
        if (ActionInput.Clean(form.Reason, ActionInput.MaxReason) is not { } why)
        {
            return ActionInput.Missing("Reason", request.View(), back);
        }
        if (!Guid.TryParse(form.InvoiceId, out var invoice) || Amount(form.Amount) is not { } amount
            || ActionInput.Clean(form.Reference, 200) is not { } reference)
        {
            return ConsolePage.Message(400, "Not recorded", "The form needs the invoice, the amount in whole rupiah and the transfer's reference.",
                back, "Back", request.View());
        }
        var action = new OperatorAction(request.OperatorId, why);
        var paid = new PaymentReceived(invoice, form.Method ?? "", reference, amount, ActionInput.Clean(form.PaidAt, 40));
        var outcome = await payments.RecordPaymentAsync(userId, paid, action, ct);
        if (outcome.Status != ActionStatus.Done)
        {
            await log.WriteAsync(action, "record_payment", userId, null, new { user_id = userId, invoice_id = invoice, amount }, outcome);
        }
        return ActionPages.After(outcome, request.View(), back, "payment_recorded", "Payment not recorded");
    }

    public static async Task<Results<SeeOther, RazorComponentResult<MessagePage>>> Refund(
        [AsParameters] ConsoleRequest request, [AsParameters] RefundForm form, string userId,
        IRefundActions refunds, OperatorLog log, CancellationToken ct)
    {
        var back = ConsoleRoutes.Customer(userId);
        if (ActionInput.Clean(form.Reason, ActionInput.MaxReason) is not { } why)
        {
            return ActionInput.Missing("Reason", request.View(), back);
        }
        if (!Guid.TryParse(form.InvoiceId, out var invoice) || Amount(form.Amount) is not { } amount)
        {
            return ConsolePage.Message(400, "No refund", "The form needs the invoice and an amount in whole rupiah, at least 1.",
                back, "Back", request.View());
        }
        var action = new OperatorAction(request.OperatorId, why);
        var outcome = await refunds.RefundAsync(userId,
            new RefundAsked(invoice, amount, form.RevokeCredits == "true", form.CancelSubscription == "true"), action, ct);
        if (outcome.Status != ActionStatus.Done)
        {
            await log.WriteAsync(action, "refund", userId, null, new { user_id = userId, invoice_id = invoice, amount }, outcome);
        }
        return ActionPages.After(outcome, request.View(), back, "refunded", "No refund");
    }

    /// <summary>Whole rupiah as typed: digits, optionally grouped with dots or commas (149.000).</summary>
    private static long? Amount(string? text)
    {
        var digits = text?.Trim().Replace(".", "", StringComparison.Ordinal).Replace(",", "", StringComparison.Ordinal);
        return long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v is >= 1 and <= 1_000_000_000_000 ? v : null;
    }
}
