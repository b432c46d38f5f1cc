using System.Diagnostics;
using System.Text.Json;
using BillingCycle.Api.Infrastructure.Alerts;
using BillingCycle.Api.Infrastructure.Observability;
using BillingCycle.Api.Infrastructure.Time;
using Npgsql;
using Serilog.Context;

namespace BillingCycle.Api.Billing.Jobs;

/// <summary>The work of one job run; the runner takes care of locking, recording and alerting.</summary>
public interface IBillingJobBody
{
    BillingJob Job { get; }

    Task RunAsync(JobReport report, CancellationToken stopping);
}

/// <summary>
/// Runs a billing job at most once at a time across every instance: a PostgreSQL session advisory
/// lock per job, held on its own connection for the whole run. Every run is recorded in job_runs
/// with its counts; a run that ends with errors or deferrals raises one alert.
/// </summary>
public sealed partial class JobRunner(
    NpgsqlDataSource db, BillingClock clock, IEnumerable<IBillingJobBody> bodies, AlertSender alerts,
    IHostApplicationLifetime lifetime, ILogger<JobRunner> logger)
{
    public static long LockKey(BillingJob job) => job == BillingJob.Renewal ? 0x4243_0001 : 0x4243_0002;

    public static string Name(BillingJob job) => job == BillingJob.Renewal ? "renewal" : "retry";

    public static string Name(JobTrigger t) => t switch { JobTrigger.Http => "http", JobTrigger.CatchUp => "catch_up", _ => "schedule" };

    /// <summary>
    /// Runs the job, or returns null when a run of it is already under way anywhere, or when
    /// <paramref name="scheduledFor"/> names an occurrence that another instance already ran.
    /// </summary>
    public async Task<JobAnswer?> TryRunAsync(BillingJob job, JobTrigger trigger, DateTimeOffset? scheduledFor = null)
    {
        var body = bodies.Single(b => b.Job == job);
        // A run stops taking new work when the host stops; the subscription in hand is finished.
        var stopping = lifetime.ApplicationStopping;
        await using var lockConn = await db.OpenConnectionAsync(CancellationToken.None);
        await using (var take = new NpgsqlCommand("SELECT pg_try_advisory_lock($1)", lockConn))
        {
            take.Parameters.Add(new() { Value = LockKey(job) });
            if (!(bool)(await take.ExecuteScalarAsync(CancellationToken.None))!)
            {
                return null;
            }
        }

        try
        {
            if (await StartRunAsync(lockConn, job, trigger, scheduledFor) is not { } runId)
            {
                return null;
            }
            using var _ = LogContext.PushProperty("JobRunId", runId);
            using var __ = LogContext.PushProperty("Job", Name(job));
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
                LogRunFailed(logger, ex, Name(job));
            }

            var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            await FinishRunAsync(runId, status, report, error);
            BillingMetrics.JobDuration.Record(seconds, new("job", Name(job)), new("status", status));
            if (status == "succeeded" || status == "completed_with_errors")
            {
                BillingMetrics.MarkSuccess(Name(job), clock.UtcNow);
            }
            LogRunFinished(logger, Name(job), status, report.Processed, seconds);

            var deferred = report.Count("deferred");
            var errors = report.Count("error");
            if (status == "failed" || errors > 0 || deferred > 0)
            {
                alerts.Raise($"Billing {Name(job)} run {status}: {errors} error(s), {deferred} deferred",
                    new { run_id = runId, job = Name(job), status, summary = report.Summary, error });
            }
            return new JobAnswer(report.Processed, report.Summary, report.Rows, report.Truncated,
                job == BillingJob.Renewal
                    ? $"Processed {report.Processed} subscription renewals"
                    : $"Processed {report.Processed} payment retries",
                runId, status, report.Reconciliation);
        }
        finally
        {
            await using var release = new NpgsqlCommand("SELECT pg_advisory_unlock($1)", lockConn);
            release.Parameters.Add(new() { Value = LockKey(job) });
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

    private async Task<Guid?> StartRunAsync(NpgsqlConnection conn, BillingJob job, JobTrigger trigger, DateTimeOffset? scheduledFor)
    {
        // We hold the job's lock, so any run of this job still marked running died with its process.
        await using var cmd = new NpgsqlCommand("""
            WITH dead AS (
                UPDATE job_runs SET status = 'abandoned', finished_at = $3, error = coalesce(error, 'process ended during the run')
                 WHERE job = $1 AND status = 'running')
            INSERT INTO job_runs (job, trigger, started_at, status, scheduled_for)
            VALUES ($1, $2, $3, 'running', $4)
            ON CONFLICT (job, scheduled_for) WHERE scheduled_for IS NOT NULL DO NOTHING
            RETURNING id
            """, conn);
        cmd.Parameters.Add(new() { Value = Name(job) });
        cmd.Parameters.Add(new() { Value = Name(trigger) });
        cmd.Parameters.Add(new() { Value = clock.UtcNow });
        cmd.Parameters.Add(new() { Value = scheduledFor is { } s ? s : DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        return await cmd.ExecuteScalarAsync(CancellationToken.None) is Guid id ? id : null;
    }

    private async Task FinishRunAsync(Guid runId, string status, JobReport report, string? error)
    {
        var counts = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["processed"] = report.Processed,
            ["summary"] = report.Summary,
            ["reconciliation"] = report.Reconciliation,
        };
        await using var cmd = db.CreateCommand(
            "UPDATE job_runs SET finished_at = $2, status = $3, counts = $4::jsonb, error = $5 WHERE id = $1");
        cmd.Parameters.Add(new() { Value = runId });
        cmd.Parameters.Add(new() { Value = clock.UtcNow });
        cmd.Parameters.Add(new() { Value = status });
        cmd.Parameters.Add(new() { Value = JsonSerializer.Serialize(counts) });
        cmd.Parameters.Add(new() { Value = (object?)error ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        await cmd.ExecuteNonQueryAsync(CancellationToken.None);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Billing {Job} run failed")]
    private static partial void LogRunFailed(ILogger logger, Exception ex, string job);

    [LoggerMessage(Level = LogLevel.Information, Message = "Billing {Job} run {Status}: {Processed} processed in {Seconds:0.0} s")]
    private static partial void LogRunFinished(ILogger logger, string job, string status, int processed, double seconds);
}
