using BillingCycle.Api.Console.Data;
using BillingCycle.Api.Console.Pages;
using BillingCycle.Api.Infrastructure.Time;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BillingCycle.Api.Console.Handlers;

/// <summary>GET /admin/funnel?month=YYYY-MM: the month's renewals as a funnel, drawn as SVG by the server.</summary>
public static class FunnelHandlers
{
    public static async Task<Results<RazorComponentResult<FunnelPage>, RazorComponentResult<MessagePage>>> Show(
        [AsParameters] ConsoleRequest request, CohortStore cohorts, BillingClock clock, string? month, CancellationToken ct)
    {
        var chosen = ConsoleMonth.From(clock.UtcNow);
        if (month is not null && !ConsoleMonth.TryParse(month, out chosen))
        {
            return ConsolePage.Message(400, "Not a month", "The month is written YYYY-MM, for example 2026-11.",
                ConsoleRoutes.Funnel, "This month's funnel", request.View());
        }
        var cohort = await cohorts.ReadAsync(chosen, ct);
        return ConsolePage.Render<FunnelPage>(new { View = request.View(), Cohort = cohort });
    }
}
