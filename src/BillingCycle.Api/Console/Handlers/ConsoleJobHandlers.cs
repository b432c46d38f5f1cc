using BillingCycle.Api.Console.Data;
using BillingCycle.Api.Console.Pages;
using BillingCycle.Api.Console.Seams;
using BillingCycle.Api.Infrastructure.Time;
using BillingCycle.Api.Jobs;
using BillingCycle.Api.Scheduling;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace BillingCycle.Api.Console.Handlers;

public readonly record struct JobServices(
    JobHistoryStore History, OverviewStore Overview, BillingScheduler Scheduler, BillingClock Clock, JobLauncher Launcher, OperatorLog Log);

/// <summary>GET /admin/jobs (job_runs history) and POST /admin/jobs/{job}/run (409 while it runs).</summary>
public static class ConsoleJobHandlers
{
    public const int HistorySize = 100;

    public static async Task<RazorComponentResult<JobsPage>> List(
        [AsParameters] ConsoleRequest request, [AsParameters] JobServices s, Guid? run, string? done, CancellationToken ct)
    {
        var status = s.Overview.JobsAsync(s.Clock.UtcNow, ct);
        var history = s.History.RecentAsync(HistorySize, ct);
        await Task.WhenAll(status, history);
        var cards = (await status).Select(j => new JobCard(j, s.Scheduler.NextRun(j.Job))).ToList();
        return ConsolePage.Render<JobsPage>(new { View = request.View(Notices.For(done)), Jobs = cards, Runs = await history, Highlight = run });
    }

    public static async Task<Results<SeeOther, RazorComponentResult<MessagePage>>> Run(
        [AsParameters] ConsoleRequest request, [AsParameters] JobServices s, string job, [FromForm] string? reason)
    {
        var view = request.View();
        if (JobNames.All.Where(j => j.Name() == job).Select(j => (BillingJob?)j).FirstOrDefault() is not { } which)
        {
            return ConsolePage.Message(404, "No such job", "The jobs are renewal, retry and housekeeping.", ConsoleRoutes.Jobs, "Jobs", view);
        }
        if (ActionInput.Clean(reason, ActionInput.MaxReason) is not { } why)
        {
            return ActionInput.Missing("Reason", view, ConsoleRoutes.Jobs);
        }
        var action = new OperatorAction(request.OperatorId, why);
        var launch = await s.Launcher.RunAsync(which);
        var outcome = launch.AlreadyRunning
            ? new ActionOutcome(ActionStatus.Refused, $"A {job} run is already in progress; nothing was started.", "JOB_ALREADY_RUNNING")
            : new ActionOutcome(ActionStatus.Done, launch.StillRunning ? "started, still running" : $"run {launch.RunId} {launch.Status}");
        await s.Log.WriteAsync(action, "run_job", null, null, new { job, run_id = launch.RunId }, outcome);
        if (launch.AlreadyRunning)
        {
            return ConsolePage.Message(409, "Already running", $"{outcome.Message} ({outcome.Code})", ConsoleRoutes.Jobs, "Jobs", view);
        }
        return new SeeOther(launch.RunId is { } id ? $"{ConsoleRoutes.Jobs}?run={id}&done=job_finished" : $"{ConsoleRoutes.Jobs}?done=job_running");
    }
}
