using System.Diagnostics;
using System.Text.Json;
using BillingCycle.Api.Infrastructure.Alerts;
using BillingCycle.Api.Infrastructure.Observability;
using BillingCycle.Api.Infrastructure.Time;
using Npgsql;
using Serilog.Context;

namespace BillingCycle.Api.Jobs;

/// <summary>
/// Runs a billing job at most once at a time across every instance: a PostgreSQL session advisory
/// lock per job, held on its own connection for the whole run. Every run is recorded in job_runs
/// with its counts; a run that ends with errors or deferrals raises one alert.
/// </summary>
public sealed partial class JobRunner(
    NpgsqlDataSource db, JobRunStore runs, BillingClock clock, IEnumerable<IBillingJobBody> bodies, AlertSender alerts,
    IHostApplicationLifetime lifetime, ILogger<JobRunner> logger)
{
    /// <summary>
    /// Runs the job now (an operator's HTTP run), or returns null when a run of it is already under
    /// way anywhere. Whatever it does covers every occurrence up to now not yet covered.
    /// </summary>
    public async Task<JobAnswer?> TryRunAsync(BillingJob job, JobTrigger trigger)
    {
        if (lifetime.ApplicationStopping.IsCancellationRequested)
        {
            return null;
        }
        await using var lockConn = await db.OpenConnectionAsync(CancellationToken.None);
        if (!await TryLockAsync(lockConn, job))
        {
            return null;
        }
        try
        {
            await runs.AbandonDeadAsync(lockConn, job);
            return await RunLockedAsync(lockConn, job, trigger, null);
        }
        finally
        {
            await UnlockAsync(lockConn, job);
        }
    }

    /// <summary>
    /// Sees one occurrence of the job's schedule through (contract §7.9). While the job's lock is
    /// held — by a run of this occurrence elsewhere, an operator's HTTP run, a long run of the one
    /// before, a loop that woke late for an occurrence already run, or a process that died holding
    /// it until PostgreSQL ends its session — it waits and tries again; it never gives up on a held
    /// lock. Once it holds the lock it runs the occurrence unless a live run in job_runs already
    /// covers it. The pause between tries is real time: lock contention is not a billing decision.
    /// </summary>
    public async Task<OccurrenceOutcome> RunOccurrenceAsync(BillingJob job, JobTrigger trigger, DateTimeOffset occurrence, CancellationToken stoppingToken)
    {
        while (true)
        {
            // A run started while the host stops would be "abandoned" at once; the occurrence stays
            // uncovered for the other instance or this one's next start.
            if (lifetime.ApplicationStopping.IsCancellationRequested || stoppingToken.IsCancellationRequested)
            {
                return new OccurrenceOutcome.Stopped();
            }
            await using (var lockConn = await db.OpenConnectionAsync(CancellationToken.None))
            {
                if (await TryLockAsync(lockConn, job))
                {
                    try
                    {
                        await runs.AbandonDeadAsync(lockConn, job);
                        if (await runs.CoveredAsync(lockConn, job, occurrence, CancellationToken.None))
                        {
                            return new OccurrenceOutcome.Covered();
                        }
                        return await RunLockedAsync(lockConn, job, trigger, occurrence) is { } answer
                            ? new OccurrenceOutcome.Ran(answer)
                            : new OccurrenceOutcome.Covered();
                    }
                    finally
                    {
                        await UnlockAsync(lockConn, job);
                    }
                }
            }
            try
            {
                await Task.Delay(LockRetryPause, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return new OccurrenceOutcome.Stopped();
            }
        }
    }

    private static readonly TimeSpan LockRetryPause = TimeSpan.FromMilliseconds(250);

    private static async Task<bool> TryLockAsync(NpgsqlConnection lockConn, BillingJob job)
    {
        await using var take = new NpgsqlCommand("SELECT pg_try_advisory_lock($1)", lockConn);
        take.Parameters.Add(new() { Value = job.LockKey() });
        return (bool)(await take.ExecuteScalarAsync(CancellationToken.None))!;
    }

    private static async Task UnlockAsync(NpgsqlConnection lockConn, BillingJob job)
    {
        await using var release = new NpgsqlCommand("SELECT pg_advisory_unlock($1)", lockConn);
        release.Parameters.Add(new() { Value = job.LockKey() });
        try
        {
            await release.ExecuteNonQueryAsync(CancellationToken.None);
        }
        catch (NpgsqlException)
        {
            // The connection is gone, and the session lock went with it.
        }
    }

    /// <summary>One run, under the job's lock; null when <paramref name="scheduledFor"/> already has its live run.</summary>
    private async Task<JobAnswer?> RunLockedAsync(NpgsqlConnection lockConn, BillingJob job, JobTrigger trigger, DateTimeOffset? scheduledFor)
    {
        var body = bodies.Single(b => b.Job == job);
        // A run stops taking new work when the host stops; the subscription in hand is finished.
        var stopping = lifetime.ApplicationStopping;
        if (await runs.StartAsync(lockConn, job, trigger, scheduledFor) is not { } runId)
        {
            return null;
        }
        using var _ = LogContext.PushProperty("JobRunId", runId);
        using var __ = LogContext.PushProperty("Job", job.Name());
        var report = new JobReport(runId);
        var started = Stopwatch.GetTimestamp();
        string status;
        string? error = null;
        try
        {
            await body.RunAsync(report, stopping);
            status = stopping.IsCancellationRequested ? "abandoned"
                : report.Count("error") > 0 ? "completed_with_errors" : "succeeded";
        }
        catch (Exception ex) when (ex is not OperationCanceledException || stopping.IsCancellationRequested)
        {
            status = ex is OperationCanceledException ? "abandoned" : "failed";
            error = ex.Message;
            LogRunFailed(logger, ex, job.Name());
        }

        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        await runs.FinishAsync(runId, status, report, error);
        BillingMetrics.JobDuration.Record(seconds, new("job", job.Name()), new("status", status));
        if (status == "succeeded" || status == "completed_with_errors")
        {
            BillingMetrics.MarkSuccess(job.Name(), clock.UtcNow);
        }
        LogRunFinished(logger, job.Name(), status, report.Processed, seconds);

        var deferred = report.Count("deferred");
        var errors = report.Count("error");
        if (status == "failed" || errors > 0 || deferred > 0)
        {
            alerts.Raise($"Billing {job.Name()} run {status}: {errors} error(s), {deferred} deferred",
                new { run_id = runId, job = job.Name(), status, summary = report.Summary, error });
        }
        return new JobAnswer(report.Processed, report.Summary, report.Rows, report.Truncated,
            $"Processed {report.Processed} {body.ProcessedNoun}",
            runId, status, report.Reconciliation);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Billing {Job} run failed")]
    private static partial void LogRunFailed(ILogger logger, Exception ex, string job);

    [LoggerMessage(Level = LogLevel.Information, Message = "Billing {Job} run {Status}: {Processed} processed in {Seconds:0.0} s")]
    private static partial void LogRunFinished(ILogger logger, string job, string status, int processed, double seconds);
}
