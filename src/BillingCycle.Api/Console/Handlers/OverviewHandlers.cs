using BillingCycle.Api.Console.Data;
using BillingCycle.Api.Console.Pages;
using BillingCycle.Api.Console.Seams;
using BillingCycle.Api.Infrastructure.Time;
using BillingCycle.Api.Jobs;
using BillingCycle.Api.Scheduling;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BillingCycle.Api.Console.Handlers;

public sealed record JobCard(JobStatusRow Row, DateTimeOffset? NextRun)
{
    public string Name => Row.Job.Name();
}

public sealed record OverviewModel(
    ConsoleMonth Month, DateTimeOffset Now, MonthCohort Cohort, Revenue Revenue, IReadOnlyList<JobCard> Jobs,
    long OpenOddities, long DeadDeliveries);

public readonly record struct OverviewServices(
    CohortStore Cohorts, OverviewStore Overview, OddityStore Oddities, IDeliveryConsole Deliveries,
    BillingScheduler Scheduler, BillingClock Clock);

/// <summary>GET /admin: jobs, this month's renewals, revenue, and what needs a person (contract §9.2).</summary>
public static class OverviewHandlers
{
    public static async Task<RazorComponentResult<OverviewPage>> Show(
        [AsParameters] ConsoleRequest request, [AsParameters] OverviewServices s, CancellationToken ct)
    {
        var now = s.Clock.UtcNow;
        var month = ConsoleMonth.From(now);
        // Independent aggregates on their own pooled connections: the page waits for the slowest, not the sum.
        var cohort = s.Cohorts.ReadAsync(month, ct);
        var revenue = s.Overview.RevenueAsync(month, ct);
        var jobs = s.Overview.JobsAsync(now, ct);
        var oddities = s.Oddities.OpenCountAsync(ct);
        var dead = s.Deliveries.DeadCountAsync(ct);
        await Task.WhenAll(cohort, revenue, jobs, oddities, dead);
        var cards = (await jobs).Select(j => new JobCard(j, s.Scheduler.NextRun(j.Job))).ToList();
        var model = new OverviewModel(month, now, await cohort, await revenue, cards, await oddities, await dead);
        return ConsolePage.Render<OverviewPage>(new { View = request.View(), Model = model });
    }
}
