using BillingCycle.Api.Console.Data;
using BillingCycle.Api.Console.Pages;
using BillingCycle.Api.Console.Seams;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace BillingCycle.Api.Console.Handlers;

public readonly record struct CustomerServices(
    CustomerStore Customers, TimelineStore Timelines, IDeliveryConsole Deliveries, ISubscriptionActions Actions, OperatorLog Log,
    PaidInvoiceStore PaidInvoices);

/// <summary>GET /admin/customers?q=, GET /admin/customers/{user_id} and its actions.</summary>
public static class CustomerHandlers
{
    public const int MaxQuery = 200;

    public static async Task<RazorComponentResult<CustomersPage>> Search(
        [AsParameters] ConsoleRequest request, CustomerStore customers, string? q, CancellationToken ct)
    {
        var query = q?.Trim() is { Length: > 0 and <= MaxQuery } t ? t : null;
        IReadOnlyList<CustomerHit> hits = query is null ? [] : await customers.SearchAsync(query, ct);
        return ConsolePage.Render<CustomersPage>(new { View = request.View(), Query = query, Hits = hits });
    }

    public static async Task<Results<RazorComponentResult<CustomerPage>, RazorComponentResult<MessagePage>>> Show(
        [AsParameters] ConsoleRequest request, [AsParameters] CustomerServices s, string userId, string? done, CancellationToken ct)
    {
        var profile = await s.Customers.ProfileAsync(userId, ct);
        if (profile is null)
        {
            return ConsolePage.Message(404, "No such customer", $"No user has the id “{userId}”.", ConsoleRoutes.Customers, "Search customers", request.View());
        }
        var timeline = s.Timelines.ReadAsync(userId, ct);
        var deliveries = s.Deliveries.ForUserAsync(userId, TimelineStore.PerSource, ct);
        var paid = s.PaidInvoices.ForUserAsync(userId, ct);
        await Task.WhenAll(timeline, deliveries, paid);
        var entries = (await timeline)
            .Concat((await deliveries).Select(d => new TimelineEntry(d.CreatedAt, "delivery", $"{d.Channel} delivery: {d.What}",
                d.LastError, d.Status) { Seq = d.Seq }))
            .OrderByDescending(e => e.At).ThenByDescending(e => e.Seq).ToList();
        return ConsolePage.Render<CustomerPage>(new
        {
            View = request.View(Notices.For(done)), P = profile, Timeline = entries, Deliveries = await deliveries, Paid = await paid,
        });
    }

    /// <summary>Through <see cref="ISubscriptionActions"/>: the API's own cancel path (contract §7.4).</summary>
    public static async Task<Results<SeeOther, RazorComponentResult<MessagePage>>> CancelAtPeriodEnd(
        [AsParameters] ConsoleRequest request, [AsParameters] CustomerServices s, string userId, [FromForm] string? reason, CancellationToken ct)
    {
        if (ActionInput.Clean(reason, ActionInput.MaxReason) is not { } why)
        {
            return ActionInput.Missing("Reason", request.View(), ConsoleRoutes.Customer(userId));
        }
        var action = new OperatorAction(request.OperatorId, why);
        var outcome = await s.Actions.CancelAtPeriodEndAsync(userId, action, ct);
        await s.Log.WriteAsync(action, "cancel_at_period_end", userId, null, new { user_id = userId }, outcome);
        return ActionPages.After(outcome, request.View(), ConsoleRoutes.Customer(userId), "cancel_scheduled", "Not canceled");
    }

    /// <summary>Through <see cref="ISubscriptionActions"/>: the pay-now rule (contract §7.6).</summary>
    public static async Task<Results<SeeOther, RazorComponentResult<MessagePage>>> SendPayLink(
        [AsParameters] ConsoleRequest request, [AsParameters] CustomerServices s, string userId,
        [FromForm(Name = "invoice_id")] string? invoiceId, [FromForm] string? reason, CancellationToken ct)
    {
        var back = ConsoleRoutes.Customer(userId);
        if (ActionInput.Clean(reason, ActionInput.MaxReason) is not { } why)
        {
            return ActionInput.Missing("Reason", request.View(), back);
        }
        if (!Guid.TryParse(invoiceId, out var invoice))
        {
            return ConsolePage.Message(400, "No invoice", "The form did not name an invoice.", back, "Back", request.View());
        }
        var action = new OperatorAction(request.OperatorId, why);
        var outcome = await s.Actions.SendFreshPayLinkAsync(userId, invoice, action, ct);
        await s.Log.WriteAsync(action, "send_pay_link", userId, null, new { user_id = userId, invoice_id = invoice }, outcome);
        return ActionPages.After(outcome, request.View(), back, "pay_link_sent", "No pay link sent");
    }
}

/// <summary>The page after an action went through a seam: back to where it was asked, or why not.</summary>
public static class ActionPages
{
    public static Results<SeeOther, RazorComponentResult<MessagePage>> After(
        ActionOutcome outcome, ConsoleView view, string back, string doneNotice, string failedTitle)
    {
        if (outcome.Status == ActionStatus.Done)
        {
            return new SeeOther($"{back}?done={doneNotice}");
        }
        var status = outcome.Status switch
        {
            ActionStatus.NotFound => 404,
            ActionStatus.Unavailable => 503,
            _ => 409,
        };
        var text = outcome.Code is null ? outcome.Message : $"{outcome.Message} ({outcome.Code})";
        return ConsolePage.Message(status, failedTitle, text, back, "Back", view);
    }
}
