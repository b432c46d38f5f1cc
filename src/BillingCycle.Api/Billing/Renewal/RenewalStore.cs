using BillingCycle.Api.Billing.Links;
using BillingCycle.Api.Infrastructure.Time;
using Npgsql;
using NpgsqlTypes;

namespace BillingCycle.Api.Billing.Renewal;

/// <summary>A subscription found due for renewal.</summary>
public sealed record DueSubscription(Guid Id, string UserId, DateTimeOffset Anchor, DateTimeOffset CurrentPeriodEnd, long Price);

public enum RenewOutcome
{
    Created,
    Canceled,
    NotDue,
    AlreadyInvoiced,
}

/// <summary>Renewal's SQL (db/functions/subscriptions.sql, billing_renewal.sql).</summary>
public sealed class RenewalStore(NpgsqlDataSource db, BillingClock clock, BillingOptions options)
{
    public async Task<List<DueSubscription>> DueAsync(DateOnly checkDate, Guid? after, int limit, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            SELECT subscription_id, user_id, billing_anchor, current_period_end, price
              FROM get_subscriptions_due_for_renewal($1, $2, $3)
            """);
        cmd.Parameters.Add(new() { Value = checkDate });
        cmd.Parameters.Add(new() { Value = after is { } a ? a : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
        cmd.Parameters.Add(new() { Value = limit });
        var list = new List<DueSubscription>(limit);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            list.Add(new DueSubscription(r.GetGuid(0), r.GetString(1), r.GetFieldValue<DateTimeOffset>(2), r.GetFieldValue<DateTimeOffset>(3), r.GetInt64(4)));
        }
        return list;
    }

    /// <summary>Creates the next period's invoice and attempt 1 (or cancels at period end).</summary>
    public async Task<(RenewOutcome Outcome, PaymentWork? Work)> RenewAsync(
        Guid subscriptionId, DateTimeOffset periodStart, DateTimeOffset periodEnd, Guid runId)
    {
        await using var cmd = db.CreateCommand($"""
            SELECT r.outcome, {PaymentLinkStore.WorkColumns}
              FROM billing_renew_subscription($1, $2, $3, $4, $5, $6::jsonb) r
              LEFT JOIN LATERAL billing_payment_work(ARRAY[r.payment_id]) w ON r.payment_id IS NOT NULL
            """);
        cmd.Parameters.Add(new() { Value = subscriptionId });
        cmd.Parameters.Add(new() { Value = periodStart });
        cmd.Parameters.Add(new() { Value = periodEnd });
        cmd.Parameters.Add(new() { Value = runId });
        cmd.Parameters.Add(new() { Value = clock.UtcNow });
        cmd.Parameters.Add(new() { Value = options.Tax.ToJson() });
        await using var r = await cmd.ExecuteReaderAsync(CancellationToken.None);
        await r.ReadAsync(CancellationToken.None);
        var outcome = r.GetString(0) switch
        {
            "created" => RenewOutcome.Created,
            "canceled" => RenewOutcome.Canceled,
            "already_invoiced" => RenewOutcome.AlreadyInvoiced,
            "not_due" => RenewOutcome.NotDue,
            var other => throw new InvalidOperationException($"billing_renew_subscription answered an unknown outcome '{other}'"),
        };
        return (outcome, r.IsDBNull(1) ? null : PaymentLinkStore.ReadWork(r, 1));
    }
}
