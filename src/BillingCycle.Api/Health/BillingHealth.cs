using BillingCycle.Api.Infrastructure.Database;
using BillingCycle.Api.Jobs;
using BillingCycle.Api.Scheduling;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace BillingCycle.Api.Health;

public sealed record RecentActivity(int TotalLogs, int RecentErrors, DateTimeOffset? LastLog);

public sealed record JobHealth(DateTimeOffset? LastRun, string? LastStatus, DateTimeOffset? NextRun);

/// <summary>The seed's health shape plus each job's last run, last status and next run.</summary>
public sealed record BillingHealthAnswer(
    string Status, string Database, string Scheduler, RecentActivity? RecentActivity,
    IReadOnlyDictionary<string, JobHealth> Jobs, string? Error = null);

public static class BillingHealth
{
    /// <summary>GET /api/billing/health — 200 healthy, 503 unhealthy when the database does not answer within 2 s.</summary>
    public static async Task<Results<Ok<BillingHealthAnswer>, JsonHttpResult<BillingHealthAnswer>>> Get(
        NpgsqlDataSource db, BillingScheduler scheduler, DatabaseOutage outage, CancellationToken ct)
    {
        var schedulerState = scheduler.Running ? "running" : "stopped";
        var jobs = new Dictionary<string, JobHealth>(StringComparer.Ordinal);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(TimeSpan.FromSeconds(2));
        try
        {
            await using var conn = await db.OpenConnectionAsync(cts.Token);
            RecentActivity activity;
            await using (var cmd = new NpgsqlCommand("""
                SELECT count(*)::int, count(*) FILTER (WHERE status = 'error')::int, max(created_at)
                  FROM (SELECT status, created_at FROM billing_logs ORDER BY created_at DESC LIMIT 10) recent
                """, conn))
            await using (var r = await cmd.ExecuteReaderAsync(cts.Token))
            {
                await r.ReadAsync(cts.Token);
                activity = new RecentActivity(r.GetInt32(0), r.GetInt32(1), r.IsDBNull(2) ? null : r.GetFieldValue<DateTimeOffset>(2));
            }
            foreach (var job in JobNames.All)
            {
                var last = await JobRunStore.LatestAsync(conn, job, cts.Token);
                jobs[job.Name()] = new JobHealth(last?.StartedAt, last?.Status, scheduler.NextRun(job));
            }
            return TypedResults.Ok(new BillingHealthAnswer("healthy", "connected", schedulerState, activity, jobs));
        }
        catch (Exception ex) when (ex is NpgsqlException or OperationCanceledException or TimeoutException or System.Net.Sockets.SocketException)
        {
            // Counted and alerted like any request that meets the outage; the pool's dead connections are dropped.
            outage.Met("health", ex);
            foreach (var job in JobNames.All)
            {
                jobs[job.Name()] = new JobHealth(null, null, scheduler.NextRun(job));
            }
            return TypedResults.Json(new BillingHealthAnswer("unhealthy", "error", schedulerState, null, jobs,
                ex is OperationCanceledException ? "database did not answer within 2 s" : "database unreachable"), statusCode: 503);
        }
    }
}
