using Npgsql;

namespace BillingCycle.Api.Console.Data;

/// <summary>
/// A month's renewals as a funnel (SPEC §9.2): the cohort is every renewal invoice whose period
/// starts in the month (UTC), followed to where each one is now.
/// </summary>
/// <param name="Due">Invoiced, plus active subscriptions whose period ends in the month and that are not invoiced yet.</param>
/// <param name="PaidOnRetry">Index 0 is retry 1 (the invoice's second attempt) … index 4 is retry 5.</param>
/// <param name="InDunning">Open dunning step by index: 0 is retry 1 (scheduled or its link open) … 4 is retry 5.</param>
/// <param name="AwaitingFirstLink">Open invoices whose first link is still open (not in dunning yet).</param>
/// <param name="CanceledOther">Cohort invoices cancelled for any other reason (the customer, a cancel at period end…).</param>
public sealed record MonthCohort(
    ConsoleMonth Month, long Due, long Invoiced, long Paid, long PaidFirstLink, IReadOnlyList<long> PaidOnRetry,
    long AwaitingFirstLink, IReadOnlyList<long> InDunning, long CanceledByDunning, long CanceledOther)
{
    public const int Retries = 5;
    public const string DunningCancelReason = "Payment failed after 5 retry attempts";
}

public sealed class CohortStore(NpgsqlDataSource db)
{
    /// <summary>
    /// One statement of index reads: the cohort from <c>invoices_renewal_period_idx</c>; paid on
    /// retry k from <c>payments_paid_on_retry_idx</c> (only invoices a later attempt paid, so
    /// "first link" = paid − those, exactly, without a probe per invoice); open steps from
    /// <c>payment_retries_open_idx</c>; the not-yet-invoiced from the active subscriptions' due index.
    /// </summary>
    private const string Sql = """
        WITH cohort AS MATERIALIZED (
            SELECT i.id, i.status, i.subscription_id
              FROM invoices i
             WHERE i.line_items ->> 'type' = 'subscription_renewal'
               AND i.period_start >= $1 AND i.period_start < $2
        ), retried AS (
            SELECT p.attempt_number - 1 AS retry, count(*) AS n
              FROM payments p JOIN cohort c ON c.id = p.invoice_id
             WHERE p.status = 'paid' AND p.oddity IS NULL AND p.attempt_number > 1
             GROUP BY p.attempt_number
        ), dunning AS (
            SELECT r.attempt_number AS retry, count(*) AS n
              FROM payment_retries r JOIN cohort c ON c.id = r.invoice_id
             WHERE r.status IN ('pending', 'in_progress')
             GROUP BY r.attempt_number
        )
        SELECT (SELECT count(*) FROM cohort) AS invoiced,
               (SELECT count(*) FROM cohort WHERE status = 'paid') AS paid,
               (SELECT count(*) FROM cohort WHERE status IN ('pending', 'failed')) AS open,
               (SELECT count(*) FROM cohort c JOIN subscriptions s ON s.id = c.subscription_id
                 WHERE c.status = 'cancelled' AND s.cancel_reason = $3) AS canceled_by_dunning,
               (SELECT count(*) FROM cohort WHERE status = 'cancelled') AS cancelled,
               (SELECT count(*) FROM subscriptions s
                 WHERE s.status = 'active' AND s.current_period_end >= $1 AND s.current_period_end < $2)
             - (SELECT count(*) FROM invoices i JOIN subscriptions s ON s.id = i.subscription_id
                 WHERE i.status IN ('pending', 'failed') AND s.status = 'active'
                   AND i.line_items ->> 'type' = 'subscription_renewal'
                   AND i.period_start = s.current_period_end AND i.period_start >= $1 AND i.period_start < $2) AS not_invoiced,
               coalesce((SELECT array_agg(n ORDER BY retry) FROM (
                   SELECT g AS retry, coalesce(r.n, 0) AS n FROM generate_series(1, 5) g LEFT JOIN retried r ON r.retry = g) x), '{}') AS paid_on_retry,
               coalesce((SELECT array_agg(n ORDER BY retry) FROM (
                   SELECT g AS retry, coalesce(d.n, 0) AS n FROM generate_series(1, 5) g LEFT JOIN dunning d ON d.retry = g) y), '{}') AS in_dunning
        """;

    public async Task<MonthCohort> ReadAsync(ConsoleMonth month, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand(Sql);
        cmd.Parameters.Add(new() { Value = month.Start });
        cmd.Parameters.Add(new() { Value = month.End });
        cmd.Parameters.Add(new() { Value = MonthCohort.DunningCancelReason });
        await using var r = await cmd.ExecuteReaderAsync(ct);
        await r.ReadAsync(ct);
        var invoiced = r.GetInt64(0);
        var paid = r.GetInt64(1);
        var open = r.GetInt64(2);
        var byDunning = r.GetInt64(3);
        var cancelled = r.GetInt64(4);
        var notInvoiced = Math.Max(0, r.GetInt64(5));
        var paidOnRetry = r.GetFieldValue<long[]>(6);
        var inDunning = r.GetFieldValue<long[]>(7);
        return new MonthCohort(month, invoiced + notInvoiced, invoiced, paid, paid - paidOnRetry.Sum(), paidOnRetry,
            open - inDunning.Sum(), inDunning, byDunning, cancelled - byDunning);
    }
}
