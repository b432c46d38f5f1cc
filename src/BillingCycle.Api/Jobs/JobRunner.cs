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
    /// Runs the job, or returns null when a run of it is already under way anywhere, or when
    /// <paramref name="scheduledFor"/> names an occurrence that another instance already ran.
    /// </summary>
    public async Task<JobAnswer?> TryRunAsync(BillingJob job, JobTrigger trigger, DateTimeOffset? scheduledFor = null)
    {
        var body = bodies.Single(b => b.Job == job);
        // A run stops taking new work when the host stops; the subscription in hand is finished.
        var stopping = lifetime.ApplicationStopping;
        if (stopping.IsCancellationRequested)
        {
            // A run started now would be "abandoned" at once, yet its row would count as the
            // occurrence's run, so neither the other instance nor this one's catch-up would make it up.
            return null;
        }
        await using var lockConn = await db.OpenConnectionAsync(CancellationToken.None);
        await using (var take = new NpgsqlCommand("SELECT pg_try_advisory_lock($1)", lockConn))
        {
            take.Parameters.Add(new() { Value = job.LockKey() });
            if (!(bool)(await take.ExecuteScalarAsync(CancellationToken.None))!)
            {
                return null;
            }
        }

        try
        {
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
        finally
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
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Billing {Job} run failed")]
    private static partial void LogRunFailed(ILogger logger, Exception ex, string job);

    [LoggerMessage(Level = LogLevel.Information, Message = "Billing {Job} run {Status}: {Processed} processed in {Seconds:0.0} s")]
    private static partial void LogRunFinished(ILogger logger, string job, string status, int processed, double seconds);
}
