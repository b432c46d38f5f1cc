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
    /// Any run of this job still marked running died with its process: the caller holds the job's
    /// lock (on <paramref name="lockConnection"/>), so it cannot be running. Marked first, so it
    /// neither covers an occurrence nor counts as one's run any more (contract §7.9).
    /// </summary>
    public async Task AbandonDeadAsync(NpgsqlConnection lockConnection, BillingJob job)
    {
        await using var cmd = new NpgsqlCommand("""
            UPDATE job_runs SET status = 'abandoned', finished_at = $2, error = coalesce(error, 'process ended during the run')
             WHERE job = $1 AND status = 'running'
            """, lockConnection);
        cmd.Parameters.Add(new() { Value = job.Name() });
        cmd.Parameters.Add(new() { Value = clock.UtcNow });
        await cmd.ExecuteNonQueryAsync(CancellationToken.None);
    }

    /// <summary>
    /// Records a new run, on the connection that holds the job's lock (after <see cref="AbandonDeadAsync"/>).
    /// The run covers the occurrences from where the job's live runs left off up to its start (or
    /// the occurrence it runs). Returns null when the occurrence already has its live run.
    /// </summary>
    public async Task<Guid?> StartAsync(NpgsqlConnection lockConnection, BillingJob job, JobTrigger trigger, DateTimeOffset? scheduledFor)
    {
        await using var cmd = new NpgsqlCommand("""
            WITH c AS (
                SELECT greatest($3, $4) AS upto,
                       (SELECT max(upper(covers)) FROM job_runs WHERE job = $1 AND status <> 'abandoned') AS since)
            INSERT INTO job_runs (job, trigger, started_at, status, scheduled_for, covers)
            SELECT $1, $2, $3, 'running', $4, tstzrange(least(coalesce(c.since, '-infinity'), c.upto), c.upto, '(]')
              FROM c
            ON CONFLICT (job, scheduled_for) WHERE scheduled_for IS NOT NULL AND status <> 'abandoned' DO NOTHING
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

    /// <summary>
    /// True when a live run (running, or finished without being abandoned) covers the occurrence.
    /// Read on the lock's connection it is the answer; read without the lock, only a hint.
    /// </summary>
    public async Task<bool> CoveredAsync(NpgsqlConnection? lockConnection, BillingJob job, DateTimeOffset occurrence, CancellationToken ct)
    {
        const string sql = "SELECT EXISTS (SELECT 1 FROM job_runs WHERE job = $1 AND status <> 'abandoned' AND covers @> $2::timestamptz)";
        await using var cmd = lockConnection is null ? db.CreateCommand(sql) : new NpgsqlCommand(sql, lockConnection);
        cmd.Parameters.Add(new() { Value = job.Name() });
        cmd.Parameters.Add(new() { Value = occurrence });
        return (bool)(await cmd.ExecuteScalarAsync(ct))!;
    }

    /// <summary>The end of the time the job's live runs cover: every occurrence up to it has its run.</summary>
    public async Task<DateTimeOffset?> CoveredThroughAsync(BillingJob job, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand(
            "SELECT max(upper(covers)) FROM job_runs WHERE job = $1 AND status <> 'abandoned'");
        cmd.Parameters.Add(new() { Value = job.Name() });
        return await cmd.ExecuteScalarAsync(ct) is DateTime t ? new DateTimeOffset(t, TimeSpan.Zero) : null;
    }
}
