using BillingCycle.Api.Billing.Links;
using BillingCycle.Api.Infrastructure.Time;
using Npgsql;
using NpgsqlTypes;

namespace BillingCycle.Api.Billing.Renewal;

/// <summary>A subscription found due for renewal; <see cref="Months"/> is the billed plan's period (12 for a yearly plan).</summary>
public sealed record DueSubscription(Guid Id, string UserId, DateTimeOffset Anchor, DateTimeOffset CurrentPeriodEnd, long Price, int Months = 1);

public enum RenewOutcome
{
    Created,
    Canceled,
    NotDue,
    AlreadyInvoiced,

    /// <summary>Invoiced and, a coupon leaving too little to charge, settled at once (contract §11.3).</summary>
    Waived,

    /// <summary>Another transaction held the subscription; the page comes back for it.</summary>
    Busy,
}

/// <summary>One subscription's answer in a renewal page; <see cref="Work"/> is set when its invoice was created.</summary>
public sealed record RenewedRow(Guid SubscriptionId, RenewOutcome Outcome, PaymentWork? Work);

/// <summary>Renewal's SQL (db/functions/subscriptions.sql, billing_renewal.sql).</summary>
public sealed class RenewalStore(NpgsqlDataSource db, BillingClock clock, BillingOptions options)
{
    public async Task<List<DueSubscription>> DueAsync(DateOnly checkDate, Guid? after, int limit, CancellationToken ct)
    {
        // The period's length is the billed plan's: a scheduled change between monthly and yearly
        // takes effect with this renewal (contract §11.1).
        await using var cmd = db.CreateCommand("""
            SELECT d.subscription_id, d.user_id, d.billing_anchor, d.current_period_end, d.price,
                   CASE WHEN pl.billing_interval = 'year' THEN 12 ELSE 1 END
              FROM get_subscriptions_due_for_renewal($1, $2, $3) d
              JOIN subscriptions s ON s.id = d.subscription_id
              JOIN subscription_plans pl ON pl.id = coalesce(s.scheduled_plan_id, s.plan_id)
             ORDER BY d.subscription_id
            """);
        cmd.Parameters.Add(new() { Value = checkDate });
        cmd.Parameters.Add(new() { Value = after is { } a ? a : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
        cmd.Parameters.Add(new() { Value = limit });
        var list = new List<DueSubscription>(limit);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            list.Add(new DueSubscription(r.GetGuid(0), r.GetString(1), r.GetFieldValue<DateTimeOffset>(2), r.GetFieldValue<DateTimeOffset>(3), r.GetInt64(4), r.GetInt32(5)));
        }
        return list;
    }

    /// <summary>
    /// A page of renewals in one transaction and one round trip (billing_renew_page): the
    /// invoices and attempts of every subscription still due, and the work of their iPaymu calls.
    /// </summary>
    /// <param name="wait">false skips subscriptions another transaction holds (answered busy); true waits for them.</param>
    public async Task<List<RenewedRow>> RenewPageAsync(IReadOnlyList<DueSubscription> due, bool wait, Guid runId)
    {
        var periods = due.Select(d => BillingPeriod.Next(d.Anchor, d.CurrentPeriodEnd, d.Months)).ToArray();
        await using var cmd = db.CreateCommand($"""
            WITH r AS MATERIALIZED (
                SELECT outcome, subscription_id, payment_id FROM billing_renew_page($1, $2, $3, $4, $5, $6, $7::jsonb, $8))
            SELECT r.outcome, r.subscription_id, {PaymentLinkStore.WorkColumns}
              FROM r LEFT JOIN billing_payment_work(ARRAY(SELECT payment_id FROM r WHERE payment_id IS NOT NULL)) w
                ON w.payment_id = r.payment_id
            """);
        cmd.Parameters.Add(new() { Value = due.Select(d => d.Id).ToArray() });
        cmd.Parameters.Add(new() { Value = periods.Select(p => p.Start).ToArray() });
        cmd.Parameters.Add(new() { Value = periods.Select(p => p.End).ToArray() });
        cmd.Parameters.Add(new() { Value = wait });
        cmd.Parameters.Add(new() { Value = runId });
        cmd.Parameters.Add(new() { Value = clock.UtcNow });
        cmd.Parameters.Add(new() { Value = options.Tax.ToJson() });
        cmd.Parameters.Add(new() { Value = options.MinCharge });
        var rows = new List<RenewedRow>(due.Count);
        await using var r = await cmd.ExecuteReaderAsync(CancellationToken.None);
        while (await r.ReadAsync(CancellationToken.None))
        {
            rows.Add(new RenewedRow(r.GetGuid(1), Parse(r.GetString(0)), r.IsDBNull(2) ? null : PaymentLinkStore.ReadWork(r, 2)));
        }
        return rows;
    }

    /// <summary>Creates the next period's invoice and attempt 1 (or cancels at period end).</summary>
    public async Task<(RenewOutcome Outcome, PaymentWork? Work)> RenewAsync(
        Guid subscriptionId, DateTimeOffset periodStart, DateTimeOffset periodEnd, Guid runId)
    {
        await using var cmd = db.CreateCommand($"""
            SELECT r.outcome, {PaymentLinkStore.WorkColumns}
              FROM billing_renew_subscription($1, $2, $3, $4, $5, $6::jsonb, $7) r
              LEFT JOIN LATERAL billing_payment_work(ARRAY[r.payment_id]) w ON r.payment_id IS NOT NULL
            """);
        cmd.Parameters.Add(new() { Value = subscriptionId });
        cmd.Parameters.Add(new() { Value = periodStart });
        cmd.Parameters.Add(new() { Value = periodEnd });
        cmd.Parameters.Add(new() { Value = runId });
        cmd.Parameters.Add(new() { Value = clock.UtcNow });
        cmd.Parameters.Add(new() { Value = options.Tax.ToJson() });
        cmd.Parameters.Add(new() { Value = options.MinCharge });
        await using var r = await cmd.ExecuteReaderAsync(CancellationToken.None);
        await r.ReadAsync(CancellationToken.None);
        return (Parse(r.GetString(0)), r.IsDBNull(1) ? null : PaymentLinkStore.ReadWork(r, 1));
    }

    private static RenewOutcome Parse(string outcome) => outcome switch
    {
        "created" => RenewOutcome.Created,
        "canceled" => RenewOutcome.Canceled,
        "already_invoiced" => RenewOutcome.AlreadyInvoiced,
        "waived" => RenewOutcome.Waived,
        "not_due" => RenewOutcome.NotDue,
        "busy" => RenewOutcome.Busy,
        var other => throw new InvalidOperationException($"billing_renew_page answered an unknown outcome '{other}'"),
    };
}
