using System.Text.Json;
using BillingCycle.Api.Infrastructure.Time;
using Npgsql;
using NpgsqlTypes;

namespace BillingCycle.Api.Jobs;

/// <summary>The last run of a job, for health and the scheduler.</summary>
public sealed record JobRunSummary(DateTimeOffset StartedAt, string Status);

/// <summary>job_runs: every run of a job, written here and only here.</summary>
public sealed class JobRunStore(NpgsqlDataSource db, BillingClock clock)
{
    /// <summary>
    /// Records a new run, on the connection that holds the job's lock. Returns null when the
    /// occurrence was already run (by another instance). Any run of this job still marked running
    /// died with its process: we hold the job's lock, so it cannot be running.
    /// </summary>
    public async Task<Guid?> StartAsync(NpgsqlConnection lockConnection, BillingJob job, JobTrigger trigger, DateTimeOffset? scheduledFor)
    {
        await using var cmd = new NpgsqlCommand("""
            WITH dead AS (
                UPDATE job_runs SET status = 'abandoned', finished_at = $3, error = coalesce(error, 'process ended during the run')
                 WHERE job = $1 AND status = 'running')
            INSERT INTO job_runs (job, trigger, started_at, status, scheduled_for)
            VALUES ($1, $2, $3, 'running', $4)
            ON CONFLICT (job, scheduled_for) WHERE scheduled_for IS NOT NULL DO NOTHING
            RETURNING id
            """, lockConnection);
        cmd.Parameters.Add(new() { Value = job.Name() });
        cmd.Parameters.Add(new() { Value = trigger.Name() });
        cmd.Parameters.Add(new() { Value = clock.UtcNow });
        cmd.Parameters.Add(new() { Value = scheduledFor is { } s ? s : DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        return await cmd.ExecuteScalarAsync(CancellationToken.None) is Guid id ? id : null;
    }

    public async Task FinishAsync(Guid runId, string status, JobReport report, string? error)
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
        cmd.Parameters.Add(new() { Value = (object?)error ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        await cmd.ExecuteNonQueryAsync(CancellationToken.None);
    }

    /// <summary>The latest run of the job, on the caller's connection (health reads several at once).</summary>
    public static async Task<JobRunSummary?> LatestAsync(NpgsqlConnection conn, BillingJob job, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            "SELECT started_at, status FROM job_runs WHERE job = $1 ORDER BY started_at DESC LIMIT 1", conn);
        cmd.Parameters.Add(new() { Value = job.Name() });
        await using var r = await cmd.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? new JobRunSummary(r.GetFieldValue<DateTimeOffset>(0), r.GetString(1)) : null;
    }

    /// <summary>True when the occurrence has its run (started by any instance, finished or not).</summary>
    public async Task<bool> HasRunForAsync(BillingJob job, DateTimeOffset occurrence, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("SELECT EXISTS (SELECT 1 FROM job_runs WHERE job = $1 AND scheduled_for = $2)");
        cmd.Parameters.Add(new() { Value = job.Name() });
        cmd.Parameters.Add(new() { Value = occurrence });
        return (bool)(await cmd.ExecuteScalarAsync(ct))!;
    }

    /// <summary>True when a run of the job started at or after the occurrence, or ran it.</summary>
    public async Task<bool> RanSinceAsync(BillingJob job, DateTimeOffset occurrence, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand(
            "SELECT EXISTS (SELECT 1 FROM job_runs WHERE job = $1 AND (started_at >= $2 OR scheduled_for = $2))");
        cmd.Parameters.Add(new() { Value = job.Name() });
        cmd.Parameters.Add(new() { Value = occurrence });
        return (bool)(await cmd.ExecuteScalarAsync(ct))!;
    }
}
