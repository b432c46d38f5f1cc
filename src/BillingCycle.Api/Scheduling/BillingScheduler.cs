using BillingCycle.Api.Jobs;
using BillingCycle.Api.Infrastructure.Alerts;
using BillingCycle.Api.Infrastructure.Time;

namespace BillingCycle.Api.Scheduling;

/// <summary>
/// Runs renewal, retry and housekeeping in-process on their cron schedules (UTC), each in its own
/// loop so a long renewal never delays the retry run. At start-up a job whose last occurrence has no run
/// is run once (catch_up). Every wait reads the billing clock, so the test clock drives it too.
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

    private async Task LoopAsync(BillingJob job, CancellationToken stoppingToken)
    {
        // Let the host finish starting before the first run.
        await Task.Yield();
        await RunGuardedAsync(job, JobTrigger.CatchUp, null, stoppingToken);

        while (!stoppingToken.IsCancellationRequested)
        {
            var next = options.For(job).GetNextOccurrence(clock.UtcNow, TimeZoneInfo.Utc);
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
            await RunGuardedAsync(job, JobTrigger.Schedule, at, stoppingToken);
        }
    }

    /// <summary>One failing run is logged and alerted; the loop carries on to the next occurrence.</summary>
    private async Task RunGuardedAsync(BillingJob job, JobTrigger trigger, DateTimeOffset? occurrence, CancellationToken stoppingToken)
    {
        try
        {
            if (trigger == JobTrigger.CatchUp)
            {
                occurrence = await MissedOccurrenceAsync(job, stoppingToken);
                if (occurrence is null)
                {
                    return;
                }
                LogCatchUp(logger, job.Name(), occurrence.Value);
            }
            var answer = await runner.TryRunAsync(job, trigger, occurrence)
                         ?? await TryAgainWhileHeldAsync(job, trigger, occurrence!.Value, stoppingToken);
            if (answer is null)
            {
                LogSkipped(logger, job.Name());
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            LogRunFailed(logger, ex, job.Name());
            alerts.Raise($"Billing {job.Name()} run could not start", new { job = job.Name(), error = ex.Message });
        }
    }

    /// <summary>
    /// The job's lock was taken when this occurrence came. An instance running this occurrence
    /// records its run at once; when none has, the holder is doing something else — an operator's
    /// HTTP run, or a loop that woke late and tried an occurrence that already ran (its clock
    /// leapt: a resumed VM, a test clock) — and this occurrence is still owed. So it is tried
    /// again once the lock is free, until it has its run or its next occurrence comes. The pause
    /// between tries is real time: lock contention is not a billing decision (contract §6.9).
    /// </summary>
    private async Task<JobAnswer?> TryAgainWhileHeldAsync(BillingJob job, JobTrigger trigger, DateTimeOffset occurrence, CancellationToken stoppingToken)
    {
        var next = options.For(job).GetNextOccurrence(occurrence, TimeZoneInfo.Utc);
        while (!stoppingToken.IsCancellationRequested
               && !await runs.HasRunForAsync(job, occurrence, stoppingToken)
               && (next is not { } n || clock.UtcNow < n))
        {
            await Task.Delay(LockRetryPause, stoppingToken);
            if (await runner.TryRunAsync(job, trigger, occurrence) is { } answer)
            {
                return answer;
            }
        }
        return null;
    }

    private static readonly TimeSpan LockRetryPause = TimeSpan.FromMilliseconds(250);

    /// <summary>The job's last occurrence at or before now, when no run of the job started since.</summary>
    private async Task<DateTimeOffset?> MissedOccurrenceAsync(BillingJob job, CancellationToken ct)
    {
        var now = clock.UtcNow;
        var cron = options.For(job);
        // Cronos looks forward only: the last occurrence is the latest one in the past 8 days.
        DateTimeOffset? last = null;
        foreach (var o in cron.GetOccurrences(now.AddDays(-8), now, TimeZoneInfo.Utc, fromInclusive: true, toInclusive: true))
        {
            last = o;
        }
        if (last is null)
        {
            return null;
        }
        return await runs.RanSinceAsync(job, last.Value, ct) ? null : last;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Billing scheduler disabled (BILLING_SCHEDULER_ENABLED=false)")]
    private static partial void LogDisabled(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Catching up the {Job} run missed at {Occurrence:o}")]
    private static partial void LogCatchUp(ILogger logger, string job, DateTimeOffset occurrence);

    [LoggerMessage(Level = LogLevel.Information, Message = "Scheduled {Job} run skipped: another instance has it")]
    private static partial void LogSkipped(ILogger logger, string job);

    [LoggerMessage(Level = LogLevel.Error, Message = "Scheduled {Job} run failed to start")]
    private static partial void LogRunFailed(ILogger logger, Exception ex, string job);
}
