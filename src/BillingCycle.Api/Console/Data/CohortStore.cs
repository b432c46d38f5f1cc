using Npgsql;

namespace BillingCycle.Api.Console.Data;

/// <summary>
/// A month's renewals as a funnel (contract §9.2): the cohort is every renewal invoice whose period
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
    /// One statement of index reads. The cohort is read from invoices_renewal_period_idx alone (about
    /// one invoice per subscription; each part below filters the same index range on its INCLUDE
    /// columns, cheaper than materializing the cohort once). Only its few invoices that needed more than one attempt
    /// (<c>attempt_count</c> &gt; 1: a retry started, which is the only way a later attempt exists) are
    /// looked up in payments_paid_on_retry_idx to learn which retry paid, so "paid on the first link"
    /// is paid − paid on a retry, exactly, without a probe per invoice. Open invoices look up their
    /// open dunning step; cancelled ones their subscription's reason. The not-yet-invoiced are the
    /// active subscriptions whose period ends in the month, less those whose renewal is open.
    /// </summary>
    private const string Sql = """
        WITH totals AS (
            SELECT count(*) AS invoiced,
                   count(*) FILTER (WHERE i.status = 'paid') AS paid,
                   count(*) FILTER (WHERE i.status IN ('pending', 'failed')) AS open,
                   count(*) FILTER (WHERE i.status = 'cancelled') AS cancelled
              FROM invoices i
             WHERE i.line_items ->> 'type' = 'subscription_renewal' AND i.period_start >= $1 AND i.period_start < $2
        ), retried AS (
            SELECT p.attempt_number - 1 AS retry, count(*) AS n
              FROM invoices i
              JOIN LATERAL (SELECT x.attempt_number FROM payments x
                             WHERE x.invoice_id = i.id AND x.status = 'paid' AND x.oddity IS NULL AND x.attempt_number > 1) p ON true
             WHERE i.line_items ->> 'type' = 'subscription_renewal' AND i.period_start >= $1 AND i.period_start < $2
               AND i.status = 'paid' AND i.attempt_count > 1
             GROUP BY p.attempt_number
        ), dunning AS (
            SELECT r.attempt_number AS retry, count(*) AS n
              FROM invoices i
              JOIN LATERAL (SELECT y.attempt_number FROM payment_retries y
                             WHERE y.invoice_id = i.id AND y.status IN ('pending', 'in_progress')) r ON true
             WHERE i.line_items ->> 'type' = 'subscription_renewal' AND i.period_start >= $1 AND i.period_start < $2
               AND i.status IN ('pending', 'failed')
             GROUP BY r.attempt_number
        )
        SELECT t.invoiced, t.paid, t.open,
               (SELECT count(*) FROM invoices i JOIN subscriptions s ON s.id = i.subscription_id
                 WHERE i.line_items ->> 'type' = 'subscription_renewal' AND i.period_start >= $1 AND i.period_start < $2
                   AND i.status = 'cancelled' AND s.cancel_reason = $3) AS canceled_by_dunning,
               t.cancelled,
               (SELECT count(*) FROM subscriptions s
                 WHERE s.status = 'active' AND s.current_period_end >= $1 AND s.current_period_end < $2)
             - (SELECT count(*) FROM invoices i JOIN subscriptions s ON s.id = i.subscription_id
                 WHERE i.status IN ('pending', 'failed') AND s.status = 'active'
                   AND i.line_items ->> 'type' = 'subscription_renewal'
                   AND i.period_start = s.current_period_end AND i.period_start >= $1 AND i.period_start < $2) AS not_invoiced,
               (SELECT array_agg(coalesce(r.n, 0) ORDER BY g) FROM generate_series(1, 5) g LEFT JOIN retried r ON r.retry = g),
               (SELECT array_agg(coalesce(d.n, 0) ORDER BY g) FROM generate_series(1, 5) g LEFT JOIN dunning d ON d.retry = g)
          FROM totals t
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
