using Npgsql;

namespace BillingCycle.TestSupport;

/// <summary>
/// The money invariants, as SQL over the real database. Every scenario, fault test and simulated
/// day is judged by the same list; a violation names the rule and the rows that break it.
/// </summary>
public static class InvariantChecker
{
    public sealed record Violation(string Rule, string Rows);

    private static readonly (string Rule, string Sql)[] Rules =
    [
        ("one invoice per (subscription, period)", """
            SELECT subscription_id::text || '@' || period_start FROM invoices GROUP BY subscription_id, period_start HAVING count(*) > 1
            """),
        ("a paid invoice has exactly one paid payment (others only as flagged oddities)", """
            SELECT i.id::text FROM invoices i
             WHERE i.status = 'paid'
               AND (SELECT count(*) FROM payments p WHERE p.invoice_id = i.id AND p.status = 'paid' AND p.oddity IS NULL) <> 1
            """),
        ("an unpaid invoice has no unflagged paid payment", """
            SELECT i.id::text FROM invoices i
             WHERE i.status <> 'paid' AND EXISTS (SELECT 1 FROM payments p WHERE p.invoice_id = i.id AND p.status = 'paid' AND p.oddity IS NULL)
            """),
        ("one interaction reset and one scraper grant per paid invoice", """
            SELECT i.id::text FROM invoices i
             WHERE i.status = 'paid'
               AND ((SELECT count(*) FROM credit_transactions t WHERE t.reference_id = i.id::text AND t.credit_type = 'interaction' AND t.kind = 'reset') <> 1
                 OR (SELECT count(*) FROM credit_transactions t WHERE t.reference_id = i.id::text AND t.credit_type = 'scraper' AND t.kind = 'add') <> 1)
            """),
        ("no credits granted for an unpaid invoice", """
            SELECT i.id::text FROM invoices i
             WHERE i.status <> 'paid' AND EXISTS (SELECT 1 FROM credit_transactions t WHERE t.reference_id = i.id::text)
            """),
        ("every balance equals the sum of its ledger and is never negative", """
            SELECT b.user_id || '/' || b.credit_type FROM credit_balances b
             WHERE b.balance < 0
                OR b.balance <> coalesce((SELECT sum(t.amount) FROM credit_transactions t WHERE t.user_id = b.user_id AND t.credit_type = b.credit_type), 0)
            """),
        ("past_due means a failed invoice and an open retry", """
            SELECT s.id::text FROM subscriptions s
             WHERE s.status = 'past_due'
               AND NOT EXISTS (SELECT 1 FROM invoices i JOIN payment_retries r ON r.invoice_id = i.id
                                WHERE i.subscription_id = s.id AND i.status = 'failed' AND r.status IN ('pending', 'in_progress'))
            """),
        ("canceled by dunning means five failed retries", """
            SELECT s.id::text FROM subscriptions s
             WHERE s.status = 'canceled' AND s.cancel_reason = 'Payment failed after 5 retry attempts'
               AND NOT EXISTS (SELECT 1 FROM invoices i WHERE i.subscription_id = s.id AND i.status = 'cancelled'
                                 AND (SELECT count(*) FROM payment_retries r WHERE r.invoice_id = i.id AND r.status = 'failed') = 5)
            """),
        ("a paid invoice's subscription period covers it", """
            SELECT i.id::text FROM invoices i JOIN subscriptions s ON s.id = i.subscription_id
             WHERE i.status = 'paid' AND s.current_period_end < i.period_end
            """),
        ("every stored webhook event has an outcome", """
            SELECT id::text FROM webhook_events WHERE outcome IS NULL
            """),
    ];

    /// <summary>Open attempts past expiry plus grace: checked only after a job run that could reach iPaymu.</summary>
    private const string StaleAttempts = """
        SELECT id::text FROM payments WHERE status = 'pending' AND session_id IS NOT NULL AND expires_at + interval '1 hour' < $1
        """;

    // ---- Deliveries (SPEC §8.1) --------------------------------------------------------------
    // Kept apart from Rules on purpose: it needs the service's clock, which may be a test clock.
    // A pending delivery is due at next_attempt_at (a claimed one is leased past it), and every
    // instance looks every few seconds: one overdue by more than a minute was lost by the worker.
    private const string OverdueDeliveriesRule = "no delivery pending past its next_attempt_at by more than a minute";

    private const string OverdueDeliveries = """
        SELECT id::text FROM deliveries WHERE status = 'pending' AND next_attempt_at < coalesce($1, now()) - interval '1 minute'
        """;

    private static async Task<List<string>> OverdueDeliveriesAsync(NpgsqlDataSource db, DateTimeOffset? clockNow)
    {
        await using var cmd = db.CreateCommand(OverdueDeliveries);
        cmd.Parameters.Add(new() { Value = clockNow is { } t ? t.ToUniversalTime() : DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        var rows = new List<string>();
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync())
        {
            rows.Add(r.GetString(0));
        }
        return rows;
    }
    // ---- end of deliveries -----------------------------------------------------------------------

    /// <param name="clockNow">The service's clock now (BILLING_TEST_CLOCK when it runs on one); the database's now() when null.</param>
    public static async Task<List<Violation>> CheckAsync(NpgsqlDataSource db, DateTimeOffset? afterJobRunAt = null, DateTimeOffset? clockNow = null)
    {
        var found = new List<Violation>();
        foreach (var (rule, sql) in Rules)
        {
            var rows = await RowsAsync(db, sql, null);
            if (rows.Count > 0)
            {
                found.Add(new Violation(rule, string.Join(", ", rows.Take(5))));
            }
        }
        var overdue = await OverdueDeliveriesAsync(db, clockNow);
        if (overdue.Count > 0)
        {
            found.Add(new Violation(OverdueDeliveriesRule, string.Join(", ", overdue.Take(5))));
        }
        if (afterJobRunAt is { } at)
        {
            var rows = await RowsAsync(db, StaleAttempts, at);
            if (rows.Count > 0)
            {
                found.Add(new Violation("no open attempt older than its expiry plus grace after a job run", string.Join(", ", rows.Take(5))));
            }
        }
        return found;
    }

    public static string Describe(IEnumerable<Violation> violations) =>
        string.Join("\n", violations.Select(v => $"  - {v.Rule}: {v.Rows}"));

    private static async Task<List<string>> RowsAsync(NpgsqlDataSource db, string sql, DateTimeOffset? at)
    {
        await using var cmd = db.CreateCommand(sql);
        if (at is { } t)
        {
            cmd.Parameters.Add(new() { Value = t.ToUniversalTime() });
        }
        var rows = new List<string>();
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync())
        {
            rows.Add(r.GetString(0));
        }
        return rows;
    }
}
