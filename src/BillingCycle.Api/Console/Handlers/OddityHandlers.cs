using BillingCycle.Api.Console.Data;
using BillingCycle.Api.Console.Pages;
using BillingCycle.Api.Console.Seams;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace BillingCycle.Api.Console.Handlers;

/// <summary>GET /admin/oddities and POST /admin/oddities/{id}/resolve.</summary>
public static class OddityHandlers
{
    public const int PageSize = 200;

    public static async Task<RazorComponentResult<OdditiesPage>> List(
        [AsParameters] ConsoleRequest request, OddityStore oddities, string? done, CancellationToken ct)
    {
        var rows = await oddities.ListAsync(PageSize, ct);
        return ConsolePage.Render<OdditiesPage>(new { View = request.View(Notices.For(done)), Rows = rows });
    }

    /// <summary>The resolution and its operator_action log are one transaction (console_resolve_oddity); a refusal is logged as failed.</summary>
    public static async Task<Results<SeeOther, RazorComponentResult<MessagePage>>> Resolve(
        [AsParameters] ConsoleRequest request, OddityStore oddities, OperatorLog log, Guid id, [FromForm] string? note, CancellationToken ct)
    {
        var view = request.View();
        if (ActionInput.Clean(note, ActionInput.MaxNote) is not { } text)
        {
            return ActionInput.Missing("Note", view, ConsoleRoutes.Oddities);
        }
        var outcome = await oddities.ResolveAsync(id, request.OperatorId, text, ct);
        if (outcome == ResolveOutcome.Resolved)
        {
            return new SeeOther($"{ConsoleRoutes.Oddities}?done=resolved");
        }
        var refusal = outcome == ResolveOutcome.AlreadyResolved
            ? new ActionOutcome(ActionStatus.Refused, "This oddity was already resolved; the first note is kept.", "ALREADY_RESOLVED")
            : new ActionOutcome(ActionStatus.NotFound, "There is no oddity with this id.");
        await log.WriteAsync(new OperatorAction(request.OperatorId, text), "resolve_oddity", null, null, new { oddity_id = id }, refusal);
        return ConsolePage.Message(outcome == ResolveOutcome.AlreadyResolved ? 409 : 404, "Not resolved", refusal.Message,
            ConsoleRoutes.Oddities, "Oddities", view);
    }
}
