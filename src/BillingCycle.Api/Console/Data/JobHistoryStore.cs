using Npgsql;

namespace BillingCycle.Api.Console.Data;

public sealed record JobRunRow(
    Guid Id, string Job, string Trigger, DateTimeOffset StartedAt, DateTimeOffset? FinishedAt, string Status,
    string Counts, string? Error)
{
    public TimeSpan? Duration => FinishedAt - StartedAt;
}

/// <summary>job_runs as the Jobs page lists them (the runner alone writes them, Jobs/JobRunStore).</summary>
public sealed class JobHistoryStore(NpgsqlDataSource db)
{
    public async Task<IReadOnlyList<JobRunRow>> RecentAsync(int limit, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            SELECT id, job, trigger, started_at, finished_at, status, counts::text, error
              FROM job_runs
             ORDER BY started_at DESC
             LIMIT $1
            """);
        cmd.Parameters.Add(new() { Value = limit });
        var rows = new List<JobRunRow>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            rows.Add(new JobRunRow(r.GetGuid(0), r.GetString(1), r.GetString(2), r.GetFieldValue<DateTimeOffset>(3),
                r.IsDBNull(4) ? null : r.GetFieldValue<DateTimeOffset>(4), r.GetString(5), r.GetString(6),
                r.IsDBNull(7) ? null : r.GetString(7)));
        }
        return rows;
    }
}
