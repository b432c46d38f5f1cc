using BillingCycle.Api.Console.Data;
using BillingCycle.Api.Console.Pages;
using BillingCycle.Api.Console.Seams;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace BillingCycle.Api.Console.Handlers;

/// <summary>GET /admin/deliveries (dead and failing) and POST /admin/deliveries/{id}/retry, through <see cref="IDeliveryConsole"/>.</summary>
public static class DeliveryHandlers
{
    public const int PageSize = 200;

    public static async Task<RazorComponentResult<DeliveriesPage>> List(
        [AsParameters] ConsoleRequest request, IDeliveryConsole deliveries, string? done, CancellationToken ct)
    {
        var rows = await deliveries.FailingAsync(PageSize, ct);
        return ConsolePage.Render<DeliveriesPage>(new { View = request.View(Notices.For(done)), Rows = rows });
    }

    public static async Task<Results<SeeOther, RazorComponentResult<MessagePage>>> Retry(
        [AsParameters] ConsoleRequest request, IDeliveryConsole deliveries, OperatorLog log, Guid id, [FromForm] string? reason, CancellationToken ct)
    {
        if (ActionInput.Clean(reason, ActionInput.MaxReason) is not { } why)
        {
            return ActionInput.Missing("Reason", request.View(), ConsoleRoutes.Deliveries);
        }
        var action = new OperatorAction(request.OperatorId, why);
        var outcome = await deliveries.RetryDeadAsync(id, action, ct);
        await log.WriteAsync(action, "retry_delivery", null, null, new { delivery_id = id }, outcome);
        return ActionPages.After(outcome, request.View(), ConsoleRoutes.Deliveries, "delivery_retried", "Not retried");
    }
}
