using BillingCycle.Api.Jobs;
using BillingCycle.Api.Infrastructure.Alerts;
using BillingCycle.Api.Infrastructure.Time;

namespace BillingCycle.Api.Scheduling;

/// <summary>
/// Runs renewal, retry and housekeeping in-process on their cron schedules (UTC), each in its own
/// loop so a long renewal never delays the retry run. At start-up a job whose last occurrence no run
/// covers is run once (catch_up). No occurrence is skipped: each is run, or covered by a live run
/// recorded in job_runs (contract §7.9; <see cref="JobRunner.RunOccurrenceAsync"/>). Every wait
/// reads the billing clock, so the test clock drives it too.
/// </summary>
public sealed partial class BillingScheduler(
    SchedulerOptions options, JobRunner runner, JobRunStore runs, BillingClock clock, AlertSender alerts,
    ILogger<BillingScheduler> logger) : BackgroundService
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<BillingJob, DateTimeOffset> _waitingFor = new();

    public bool Running { get; private set; }

    /// <summary>The occurrence each job's loop is waiting for (null before the loop has started waiting).</summary>
    public DateTimeOffset? WaitingFor(BillingJob job) => _waitingFor.TryGetValue(job, out var at) ? at : null;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Enabled)
        {
            LogDisabled(logger);
            return;
        }
        Running = true;
        try
        {
            await Task.WhenAll(JobNames.All.Select(job => LoopAsync(job, stoppingToken)));
        }
        finally
        {
            Running = false;
        }
    }

    /// <summary>The next occurrence strictly after now, for health and tests.</summary>
    public DateTimeOffset? NextRun(BillingJob job) =>
        options.Enabled ? options.For(job).GetNextOccurrence(clock.UtcNow, TimeZoneInfo.Utc) : null;

    /// <summary>
    /// Goes through the job's occurrences one after another, never from "now": an occurrence that
    /// came while the loop waited for the lock or ran the one before is next, not skipped. After
    /// each, it moves on past everything the job's live runs cover (job_runs.covers).
    /// </summary>
    private async Task LoopAsync(BillingJob job, CancellationToken stoppingToken)
    {
        // Let the host finish starting before the first run.
        await Task.Yield();
        if (await CatchUpAsync(job, stoppingToken) is not { } done)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            var next = options.For(job).GetNextOccurrence(done, TimeZoneInfo.Utc);
            if (next is not { } at)
            {
                return;
            }
            _waitingFor[job] = at;
            try
            {
                var wait = at - clock.UtcNow;
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, clock.Time, stoppingToken);
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
            if (await SeeThroughAsync(job, JobTrigger.Schedule, at, stoppingToken) is not { } through)
            {
                return; // the host is stopping
            }
            done = through;
        }
    }

    /// <summary>
    /// At start-up the job's last occurrence is seen through like any other (trigger catch_up): run
    /// unless a live run covers it. Asked under the lock, not from a read of job_runs: a run left
    /// "running" by a process that died is only known dead to whoever holds the lock.
    /// </summary>
    private async Task<DateTimeOffset?> CatchUpAsync(BillingJob job, CancellationToken stoppingToken)
    {
        var now = clock.UtcNow;
        return LastOccurrence(job, now) is { } last
            ? await SeeThroughAsync(job, JobTrigger.CatchUp, last, stoppingToken)
            : now;
    }

    /// <summary>
    /// Sees one occurrence through: run, or covered by a live run (contract §7.9). A failure to
    /// start (the database away) is logged, alerted once and tried again after a pause, so an
    /// outage delays the occurrence instead of skipping it. Returns the time up to which the job's
    /// occurrences are now covered, or null when the host is stopping.
    /// </summary>
    private async Task<DateTimeOffset?> SeeThroughAsync(BillingJob job, JobTrigger trigger, DateTimeOffset occurrence, CancellationToken stoppingToken)
    {
        var alerted = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var outcome = await runner.RunOccurrenceAsync(job, trigger, occurrence, stoppingToken);
                if (outcome is OccurrenceOutcome.Stopped)
                {
                    return null;
                }
                if (outcome is OccurrenceOutcome.Covered && trigger == JobTrigger.Schedule)
                {
                    LogCovered(logger, job.Name(), occurrence);
                }
                else if (outcome is OccurrenceOutcome.Ran && trigger == JobTrigger.CatchUp)
                {
                    LogCatchUp(logger, job.Name(), occurrence);
                }
                var through = await runs.CoveredThroughAsync(job, stoppingToken);
                return through is { } t && t > occurrence ? t : occurrence;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                if (!await PauseAfterFailureAsync(job, ex, stoppingToken, alert: !alerted))
                {
                    break;
                }
                alerted = true;
            }
        }
        return null;
    }

    private async Task<bool> PauseAfterFailureAsync(BillingJob job, Exception ex, CancellationToken stoppingToken, bool alert = true)
    {
        LogRunFailed(logger, ex, job.Name());
        if (alert)
        {
            alerts.Raise($"Billing {job.Name()} run could not start", new { job = job.Name(), error = ex.Message });
        }
        try
        {
            // Real time: the database coming back is not a billing decision (contract §6.9).
            await Task.Delay(FailurePause, stoppingToken);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static readonly TimeSpan FailurePause = TimeSpan.FromSeconds(2);

    /// <summary>The job's last occurrence at or before now (within 8 days: Cronos looks forward only).</summary>
    private DateTimeOffset? LastOccurrence(BillingJob job, DateTimeOffset now)
    {
        DateTimeOffset? last = null;
        foreach (var o in options.For(job).GetOccurrences(now.AddDays(-8), now, TimeZoneInfo.Utc, fromInclusive: true, toInclusive: true))
        {
            last = o;
        }
        return last;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Billing scheduler disabled (BILLING_SCHEDULER_ENABLED=false)")]
    private static partial void LogDisabled(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Caught up the {Job} run missed at {Occurrence:o}")]
    private static partial void LogCatchUp(ILogger logger, string job, DateTimeOffset occurrence);

    [LoggerMessage(Level = LogLevel.Information, Message = "Scheduled {Job} run for {Occurrence:o} covered by a run already recorded")]
    private static partial void LogCovered(ILogger logger, string job, DateTimeOffset occurrence);

    [LoggerMessage(Level = LogLevel.Error, Message = "Scheduled {Job} run failed to start")]
    private static partial void LogRunFailed(ILogger logger, Exception ex, string job);
}
