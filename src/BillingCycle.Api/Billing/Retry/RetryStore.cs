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
        var outcome = r.GetString(0) switch
        {
            "created" => StartRetryOutcome.Created,
            "closed" => StartRetryOutcome.Closed,
            "not_pending" => StartRetryOutcome.NotPending,
            var other => throw new InvalidOperationException($"billing_start_retry answered an unknown outcome '{other}'"),
        };
        return (outcome, r.IsDBNull(1) ? null : PaymentLinkStore.ReadWork(r, 1));
    }
}
