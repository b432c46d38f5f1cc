using BillingCycle.Api.Billing.Links;
using BillingCycle.Api.Infrastructure.Time;
using Npgsql;
using NpgsqlTypes;

namespace BillingCycle.Api.Billing.Retry;

/// <summary>A pending retry due by the check date.</summary>
public sealed record DueRetry(Guid RetryId, Guid SubscriptionId, Guid InvoiceId, long Amount);

public enum StartRetryOutcome
{
    Created,
    Closed,
    NotPending,
}

/// <summary>The retry job's SQL (db/functions/billing_retry.sql).</summary>
public sealed class RetryStore(NpgsqlDataSource db, BillingClock clock)
{
    public async Task<List<DueRetry>> DueAsync(DateOnly today, Guid? after, int limit, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand(
            "SELECT retry_id, subscription_id, invoice_id, price FROM get_subscriptions_with_pending_retries($1, $2, $3)");
        cmd.Parameters.Add(new() { Value = today });
        cmd.Parameters.Add(new() { Value = after is { } a ? a : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
        cmd.Parameters.Add(new() { Value = limit });
        var list = new List<DueRetry>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            list.Add(new DueRetry(r.GetGuid(0), r.GetGuid(1), r.GetGuid(2), r.GetInt64(3)));
        }
        return list;
    }

    /// <summary>
    /// A page of retries started in one transaction (billing_start_retries): for each, its outcome
    /// and, when an attempt was created, the work of its iPaymu call.
    /// </summary>
    public async Task<List<(Guid RetryId, StartRetryOutcome Outcome, PaymentWork? Work)>> StartManyAsync(
        IReadOnlyList<DueRetry> due, Guid runId)
    {
        await using var cmd = db.CreateCommand($"""
            WITH r AS MATERIALIZED (SELECT retry_id, outcome, payment_id FROM billing_start_retries($1, $2, $3))
            SELECT r.retry_id, r.outcome, {PaymentLinkStore.WorkColumns}
              FROM r LEFT JOIN billing_payment_work(ARRAY(SELECT payment_id FROM r WHERE payment_id IS NOT NULL)) w
                ON w.payment_id = r.payment_id
            """);
        cmd.Parameters.Add(new() { Value = due.Select(d => d.RetryId).ToArray() });
        cmd.Parameters.Add(new() { Value = runId });
        cmd.Parameters.Add(new() { Value = clock.UtcNow });
        var rows = new List<(Guid, StartRetryOutcome, PaymentWork?)>(due.Count);
        await using var r = await cmd.ExecuteReaderAsync(CancellationToken.None);
        while (await r.ReadAsync(CancellationToken.None))
        {
            rows.Add((r.GetGuid(0), Parse(r.GetString(1)), r.IsDBNull(2) ? null : PaymentLinkStore.ReadWork(r, 2)));
        }
        return rows;
    }

    /// <summary>A new attempt for the retry's invoice; the retry becomes in_progress.</summary>
    public async Task<(StartRetryOutcome Outcome, PaymentWork? Work)> StartAsync(Guid retryId, Guid runId)
    {
        await using var cmd = db.CreateCommand($"""
            SELECT r.outcome, {PaymentLinkStore.WorkColumns}
              FROM billing_start_retry($1, $2, $3) r
              LEFT JOIN LATERAL billing_payment_work(ARRAY[r.payment_id]) w ON r.payment_id IS NOT NULL
            """);
        cmd.Parameters.Add(new() { Value = retryId });
        cmd.Parameters.Add(new() { Value = runId });
        cmd.Parameters.Add(new() { Value = clock.UtcNow });
        await using var r = await cmd.ExecuteReaderAsync(CancellationToken.None);
        await r.ReadAsync(CancellationToken.None);
        return (Parse(r.GetString(0)), r.IsDBNull(1) ? null : PaymentLinkStore.ReadWork(r, 1));
    }

    private static StartRetryOutcome Parse(string outcome) => outcome switch
    {
        "created" => StartRetryOutcome.Created,
        "closed" => StartRetryOutcome.Closed,
        "not_pending" => StartRetryOutcome.NotPending,
        var other => throw new InvalidOperationException($"billing_start_retry answered an unknown outcome '{other}'"),
    };
}
