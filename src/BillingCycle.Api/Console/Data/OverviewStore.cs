using BillingCycle.Api.Jobs;
using Npgsql;

namespace BillingCycle.Api.Console.Data;

/// <param name="Mrr">Sum of the monthly plan prices of active subscriptions on a paid plan (price &gt; 0), a yearly price ÷ 12, less their running coupons' discounts (contract §11.5), IDR.</param>
/// <param name="Active">Subscriptions whose status is active (paid and free plans).</param>
/// <param name="Paying">Active subscriptions on a paid plan (the ones MRR adds up).</param>
/// <param name="Churned">Subscriptions canceled this month, for any reason.</param>
/// <param name="LiveAtStart">Subscriptions started before the month and not canceled before it: churn's denominator.</param>
/// <param name="Trialing">Subscriptions in a trial (contract §11.5): live, not yet paying, not in MRR.</param>
public sealed record Revenue(long Mrr, long Active, long Paying, long Churned, long LiveAtStart, long Trialing = 0)
{
    public double? ChurnRate => LiveAtStart > 0 ? (double)Churned / LiveAtStart : null;
}

/// <summary>One job's last run as the Overview shows it.</summary>
public sealed record JobStatusRow(
    BillingJob Job, DateTimeOffset? LastStartedAt, DateTimeOffset? LastFinishedAt, string? LastStatus,
    long? Processed, long? Errors, string? Error, long FailedLast7Days);

public sealed class OverviewStore(NpgsqlDataSource db)
{
    public async Task<Revenue> RevenueAsync(ConsoleMonth month, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            WITH active AS (SELECT plan_id, count(*) AS n FROM subscriptions WHERE status = 'active' GROUP BY plan_id),
            -- Running coupons (contract §11.5): what the next period invoice takes off, by the one discount rule.
            discounted AS (
                SELECT coalesce(sum((billing_coupon_discount(s.id, s.plan_id, p.price, NULL, true) ->> 'amount')::numeric
                                    / CASE WHEN p.billing_interval = 'year' THEN 12 ELSE 1 END), 0) AS off
                  FROM coupon_redemptions r
                  JOIN subscriptions s ON s.id = r.subscription_id AND s.status = 'active'
                  JOIN subscription_plans p ON p.id = s.plan_id AND p.price > 0
                 WHERE r.ended_at IS NULL)
            SELECT round(coalesce((SELECT sum(a.n * p.price::numeric / CASE WHEN p.billing_interval = 'year' THEN 12 ELSE 1 END)
                                     FROM active a JOIN subscription_plans p ON p.id = a.plan_id WHERE p.price > 0), 0)
                         - (SELECT off FROM discounted))::bigint,
                   coalesce((SELECT sum(a.n) FROM active a), 0)::bigint,
                   coalesce((SELECT sum(a.n) FROM active a JOIN subscription_plans p ON p.id = a.plan_id WHERE p.price > 0), 0)::bigint,
                   (SELECT count(*) FROM subscriptions WHERE canceled_at >= $1 AND canceled_at < $2),
                   (SELECT count(*) FROM subscriptions WHERE billing_anchor < $1)
                 - (SELECT count(*) FROM subscriptions WHERE canceled_at < $1),
                   (SELECT count(*) FROM subscriptions WHERE status = 'trialing')
            """);
        cmd.Parameters.Add(new() { Value = month.Start });
        cmd.Parameters.Add(new() { Value = month.End });
        await using var r = await cmd.ExecuteReaderAsync(ct);
        await r.ReadAsync(ct);
        return new Revenue(r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.GetInt64(3), r.GetInt64(4), r.GetInt64(5));
    }

    /// <summary>Each job's latest run (one index probe each) and its failed runs of the last 7 days.</summary>
    public async Task<IReadOnlyList<JobStatusRow>> JobsAsync(DateTimeOffset now, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            SELECT j.job, l.started_at, l.finished_at, l.status, (l.counts ->> 'processed')::bigint,
                   (l.counts -> 'summary' ->> 'error')::bigint, l.error,
                   (SELECT count(*) FROM job_runs f
                     WHERE f.job = j.job AND f.started_at >= $2 AND f.status IN ('failed', 'completed_with_errors'))
              FROM unnest($1::text[]) WITH ORDINALITY j(job, ord)
              LEFT JOIN LATERAL (SELECT started_at, finished_at, status, counts, error FROM job_runs r
                                  WHERE r.job = j.job ORDER BY r.started_at DESC LIMIT 1) l ON true
             ORDER BY j.ord
            """);
        cmd.Parameters.Add(new() { Value = JobNames.All.Select(j => j.Name()).ToArray() });
        cmd.Parameters.Add(new() { Value = now.AddDays(-7) });
        var rows = new List<JobStatusRow>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var i = 0;
        while (await r.ReadAsync(ct))
        {
            rows.Add(new JobStatusRow(JobNames.All[i++],
                r.IsDBNull(1) ? null : r.GetFieldValue<DateTimeOffset>(1), r.IsDBNull(2) ? null : r.GetFieldValue<DateTimeOffset>(2),
                r.IsDBNull(3) ? null : r.GetString(3), r.IsDBNull(4) ? null : r.GetInt64(4), r.IsDBNull(5) ? null : r.GetInt64(5),
                r.IsDBNull(6) ? null : r.GetString(6), r.GetInt64(7)));
        }
        return rows;
    }
}
