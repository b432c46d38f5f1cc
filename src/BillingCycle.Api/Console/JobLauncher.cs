using BillingCycle.Api.Jobs;

namespace BillingCycle.Api.Console;

/// <summary>How a "run now" from the console went.</summary>
/// <param name="RunId">The job_runs row of a run that finished within the wait, else null.</param>
public sealed record LaunchResult(bool AlreadyRunning, Guid? RunId, string? Status, bool StillRunning);

/// <summary>
/// Runs a job now through <see cref="JobRunner.TryRunAsync"/>, the code path of the cron endpoints
/// (one run anywhere at a time, job_runs, alerts). A renewal of a whole customer base can take
/// minutes, longer than a browser or a proxy waits, so the run is not tied to the request: the page
/// waits up to <see cref="Wait"/> for it and otherwise says it is still running (its row shows it).
/// A run already in progress is known at once (the advisory lock), and answered 409.
/// </summary>
public sealed partial class JobLauncher(JobRunner runner, ILogger<JobLauncher> logger)
{
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    public async Task<LaunchResult> RunAsync(BillingJob job)
    {
        var run = Task.Run(async () =>
        {
            try
            {
                return await runner.TryRunAsync(job, JobTrigger.Http);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // The runner records its own failures; this is one that escaped it (the database went away).
                LogEscaped(logger, ex, job.Name());
                throw;
            }
        });
        var first = await Task.WhenAny(run, Task.Delay(Wait));
        if (first != run)
        {
            return new LaunchResult(false, null, null, StillRunning: true);
        }
        var answer = await run;
        return answer is null
            ? new LaunchResult(AlreadyRunning: true, null, null, false)
            : new LaunchResult(false, answer.RunId, answer.Status, false);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Console run of {Job} failed outside the runner")]
    private static partial void LogEscaped(ILogger logger, Exception ex, string job);
}
