using System.Diagnostics;
using Npgsql;

namespace BillingCycle.TestSupport;

/// <summary>
/// The money invariants, as SQL over the real database. Every scenario, fault test and simulated
/// day is judged by the same list; a violation names the rule and the rows that break it.
/// Each rule is one set-based query (a join and GROUP BY, or an anti-join) — never a subquery per
/// row, which made the check quadratic in the history. The same text runs over the
/// whole history, or narrowed by its <see cref="Rule.Scope"/> to what an
/// <see cref="InvariantChangeLog"/> saw change, so a simulated day costs what the day did.
/// </summary>
public static class InvariantChecker
{
    public sealed record Violation(string Rule, string Rows);

    /// <summary>What a rule can be narrowed to: the ids in $1 (uuid[] or text[]).</summary>
    public enum ScopeKind { Invoices, Subscriptions, Users, Events }

    /// <param name="Sql">The query; <c>{scope}</c> is replaced by nothing (whole history) or by <paramref name="Scope"/>.</param>
    /// <param name="Scope">A condition on $1 that keeps only the rows the change log names.</param>
    /// <param name="NeedsLog">Reads the plan-change and grant logs <see cref="InvariantChangeLog"/> installs; skipped where they are not.</param>
    public sealed record Rule(string Name, ScopeKind Kind, string Sql, string Scope, bool NeedsLog = false)
    {
        public string Text(bool scoped) => Sql.Replace("{scope}", scoped ? Scope : "", StringComparison.Ordinal);
    }

    public static readonly Rule[] Rules =
    [
        // A period's invoice (renewal or checkout); an upgrade's prorated invoice may start at the
        // same instant as a period, so plan_change invoices are outside the key (contract §7.5).
        new("one invoice per (subscription, period)", ScopeKind.Invoices, """
            SELECT i.subscription_id::text || '@' || i.period_start FROM invoices i
             WHERE i.kind NOT IN ('plan_change', 'credit_pack') {scope} -- a pack bills no period (contract §3)
             GROUP BY i.subscription_id, i.period_start HAVING count(*) > 1
            """,
            // Every invoice sharing a changed invoice's key, not only the changed one.
            "AND (i.subscription_id, i.period_start) IN (SELECT c.subscription_id, c.period_start FROM invoices c WHERE c.id IN (SELECT unnest($1)))"),
        new("a paid invoice has exactly one paid payment (others only as flagged oddities)", ScopeKind.Invoices, """
            SELECT i.id::text FROM invoices i
              LEFT JOIN payments p ON p.invoice_id = i.id AND p.status = 'paid' AND p.oddity IS NULL
             WHERE i.status IN ('paid', 'refunded') {scope}
             GROUP BY i.id HAVING count(p.id) <> 1
            """, "AND i.id IN (SELECT unnest($1))"),
        new("an unpaid invoice has no unflagged paid payment", ScopeKind.Invoices, """
            SELECT DISTINCT i.id::text FROM invoices i JOIN payments p ON p.invoice_id = i.id
             WHERE i.status NOT IN ('paid', 'refunded') AND p.status = 'paid' AND p.oddity IS NULL {scope}
            """, "AND i.id IN (SELECT unnest($1))"),
        // Every kind of invoice (renewal, checkout, plan_change): one reset and one grant, to its
        // user, of what its line items say when they say it (a downgrade's renewal names the new
        // plan's credits, an upgrade the new plan's interaction credits and the scraper difference).
        new("one interaction reset and one scraper grant per paid invoice, to its user, as its line items say", ScopeKind.Invoices, """
            SELECT i.id::text FROM invoices i
              LEFT JOIN credit_transactions t ON t.reference_id = i.id::text AND t.kind IN ('reset', 'add')
             WHERE i.status IN ('paid', 'refunded') AND i.kind <> 'credit_pack' {scope}
             GROUP BY i.id
            HAVING count(*) FILTER (WHERE t.user_id = i.user_id AND t.credit_type = 'interaction' AND t.kind = 'reset') <> 1
                OR count(*) FILTER (WHERE t.user_id = i.user_id AND t.credit_type = 'scraper' AND t.kind = 'add') <> 1
                OR count(*) FILTER (WHERE t.user_id <> i.user_id) > 0
                OR (i.line_items ? 'interaction_credits' AND max(t.balance_after) FILTER (WHERE t.credit_type = 'interaction' AND t.kind = 'reset')
                        IS DISTINCT FROM (i.line_items->>'interaction_credits')::bigint)
                OR (i.line_items ? 'scraper_credits' AND max(t.amount) FILTER (WHERE t.credit_type = 'scraper' AND t.kind = 'add')
                        IS DISTINCT FROM (i.line_items->>'scraper_credits')::bigint)
            """, "AND i.id IN (SELECT unnest($1))"),
        // contract §11.4: a paid credit pack ADDS its credits, once, of its type, to its user; nothing else
        // references it (no reset, no second add, whichever path reported the payment).
        new("pack credits granted once per paid pack invoice, added as its line items say", ScopeKind.Invoices, """
            SELECT i.id::text FROM invoices i
              LEFT JOIN credit_transactions t ON t.reference_id = i.id::text AND t.kind IN ('reset', 'add')
             WHERE i.status IN ('paid', 'refunded') AND i.kind = 'credit_pack' {scope}
             GROUP BY i.id
            HAVING count(t.id) <> 1
                OR count(*) FILTER (WHERE t.user_id = i.user_id AND t.kind = 'add' AND t.credit_type = i.line_items->>'credit_type'
                                      AND t.amount = (i.line_items->>'credits')::bigint) <> 1
            """, "AND i.id IN (SELECT unnest($1))"),
        new("no credits granted for an unpaid invoice", ScopeKind.Invoices, """
            SELECT DISTINCT i.id::text FROM invoices i JOIN credit_transactions t ON t.reference_id = i.id::text
             WHERE i.status NOT IN ('paid', 'refunded') {scope}
            """, "AND i.id IN (SELECT unnest($1))"),
        new("every balance equals the sum of its ledger and is never negative", ScopeKind.Users, """
            SELECT b.user_id || '/' || b.credit_type
              FROM (SELECT * FROM credit_balances WHERE true {scope}) b
              LEFT JOIN (SELECT user_id, credit_type, sum(amount) AS total FROM credit_transactions
                          WHERE true {scope} GROUP BY user_id, credit_type) l
                ON l.user_id = b.user_id AND l.credit_type = b.credit_type
             WHERE b.balance < 0 OR b.balance <> coalesce(l.total, 0)
            """,
            // In both sides: the balances and the ledger sums of the changed users only.
            "AND user_id IN (SELECT unnest($1))"),
        // Contract §13.2: an invoice's refunds are its credit notes, never more than its amount;
        // refunded exactly when fully refunded. (A refunded invoice was paid: the rules above
        // count it with the paid ones.)
        new("refunded_amount is the sum of the credit notes, within the amount, refunded exactly when all of it", ScopeKind.Invoices, """
            SELECT i.id::text FROM invoices i LEFT JOIN credit_notes c ON c.invoice_id = i.id
             WHERE true {scope}
             GROUP BY i.id
            HAVING coalesce(sum(c.amount), 0) <> i.refunded_amount OR i.refunded_amount > i.amount
                OR (i.status = 'refunded') <> (i.refunded_amount > 0 AND i.refunded_amount = i.amount)
            """, "AND i.id IN (SELECT unnest($1))"),
        // What refunds took back per credit type never exceeds the refunded share of what the
        // invoice granted (contract §13.2: rounded half up, counted cumulatively), so never more
        // than it granted; less where the balance stopped at zero or a refund kept the credits.
        new("revocations never exceed the refunded share of what the invoice granted", ScopeKind.Invoices, """
            SELECT i.id::text || '/' || g.credit_type FROM invoices i
              JOIN credit_transactions g ON g.reference_id = i.id::text AND g.kind IN ('reset', 'add') AND g.user_id = i.user_id
              JOIN credit_notes c ON c.invoice_id = i.id
              JOIN credit_transactions r ON r.reference_id = c.id::text AND r.kind = 'revoke' AND r.credit_type = g.credit_type
             WHERE true {scope}
             GROUP BY i.id, g.id
            HAVING -sum(r.amount) > round(greatest(max(CASE WHEN g.kind = 'reset' THEN g.balance_after ELSE g.amount END), 0)::numeric
                                          * i.refunded_amount / nullif(i.amount, 0))
            """, "AND i.id IN (SELECT unnest($1))"),
        // Contract §13.1: a transfer recorded by an operator and an iPaymu payment of one invoice:
        // the recorded one settles it, the iPaymu one is flagged, and logged as the second_payment
        // oddity (the Oddities page lists it for a person to return the money).
        new("a manual and an iPaymu payment of one invoice: the iPaymu one is flagged second_payment", ScopeKind.Invoices, """
            SELECT p.id::text FROM payments p
              JOIN payments m ON m.invoice_id = p.invoice_id AND m.provider = 'manual' AND m.status = 'paid'
              JOIN invoices i ON i.id = p.invoice_id
              LEFT JOIN billing_logs l ON l.event_type = 'payment_oddity' AND l.subscription_id IS NOT DISTINCT FROM i.subscription_id
                                      AND l.details->>'kind' = 'second_payment' AND l.details->>'payment_id' = p.id::text
             WHERE p.status = 'paid' AND p.provider <> 'manual' {scope}
             GROUP BY p.id
            HAVING p.oddity IS NULL OR count(l.id) = 0
            """, "AND p.invoice_id IN (SELECT unnest($1))"),
        new("past_due means a failed invoice and an open retry", ScopeKind.Subscriptions, """
            SELECT s.id::text FROM subscriptions s
             WHERE s.status = 'past_due' {scope}
               AND NOT EXISTS (SELECT 1 FROM invoices i JOIN payment_retries r ON r.invoice_id = i.id
                                WHERE i.subscription_id = s.id AND i.status = 'failed' AND r.status IN ('pending', 'in_progress'))
            """, "AND s.id IN (SELECT unnest($1))"),
        new("canceled by dunning means five failed retries", ScopeKind.Subscriptions, """
            SELECT s.id::text FROM subscriptions s
             WHERE s.status = 'canceled' AND s.cancel_reason = 'Payment failed after 5 retry attempts' {scope}
               AND NOT EXISTS (SELECT 1 FROM invoices i JOIN payment_retries r ON r.invoice_id = i.id AND r.status = 'failed'
                                WHERE i.subscription_id = s.id AND i.status = 'cancelled'
                                GROUP BY i.id HAVING count(*) = 5)
            """, "AND s.id IN (SELECT unnest($1))"),
        new("a subscription's period covers its paid invoices", ScopeKind.Subscriptions, """
            SELECT s.id::text FROM subscriptions s JOIN invoices i ON i.subscription_id = s.id AND i.status IN ('paid', 'refunded')
             WHERE true {scope}
             GROUP BY s.id HAVING s.current_period_end < max(i.period_end)
            """, "AND s.id IN (SELECT unnest($1))"),
        // contract §7.2, enforced by subscriptions_one_live_per_user: this rule is what notices the index gone.
        new("at most one live subscription per user", ScopeKind.Subscriptions, """
            SELECT s.user_id FROM subscriptions s
             WHERE s.status <> 'canceled' {scope}
             GROUP BY s.user_id HAVING count(*) > 1
            """,
            // Every live subscription of a user whose subscription changed.
            "AND s.user_id IN (SELECT c.user_id FROM subscriptions c WHERE c.id IN (SELECT unnest($1)))"),
        // contract §7.2: incomplete while the checkout invoice is open; live only once it is paid.
        new("incomplete until the checkout invoice is paid, and only while it is open", ScopeKind.Subscriptions, """
            SELECT s.id::text FROM subscriptions s
              LEFT JOIN invoices i ON i.subscription_id = s.id AND i.kind = 'subscription_create'
             WHERE s.status <> 'canceled' {scope}
             GROUP BY s.id
            HAVING (s.status = 'incomplete' AND count(*) FILTER (WHERE i.status = 'pending') <> 1)
                OR (s.status <> 'incomplete' AND count(*) FILTER (WHERE i.status NOT IN ('paid', 'refunded')) > 0)
            """, "AND s.id IN (SELECT unnest($1))"),
        // contract §7.5: an upgrade (a pricier plan) only in the transaction that granted a paid
        // plan_change invoice for that plan, or, below the minimum charge, with the log that says
        // so; a downgrade (or same price) only in the transaction that granted a paid renewal
        // invoice that billed the scheduled plan.
        new("a plan changes only in the transaction that settles the invoice buying it", ScopeKind.Subscriptions, """
            SELECT c.subscription_id::text || ' ' || op.name || '->' || np.name FROM invariant_plan_changes c
              JOIN subscription_plans op ON op.id = c.old_plan
              JOIN subscription_plans np ON np.id = c.new_plan
             WHERE true {scope}
               AND NOT EXISTS (
                   SELECT 1 FROM invoices i
                     JOIN invariant_grants g ON g.reference_id = i.id::text AND g.kind = 'reset' AND g.txid = c.txid
                    WHERE i.subscription_id = c.subscription_id AND i.status IN ('paid', 'refunded')
                      -- A move between monthly and yearly is scheduled whatever the prices (contract §11.1).
                      AND CASE WHEN np.price > op.price AND np.billing_interval = op.billing_interval
                               THEN i.kind = 'plan_change' AND i.line_items->>'to_plan_id' = c.new_plan::text
                               ELSE i.kind = 'renewal' AND coalesce((i.line_items->>'scheduled_change')::boolean, false)
                                    AND i.line_items->>'plan_id' = c.new_plan::text END)
               AND NOT (np.price > op.price AND EXISTS (
                   SELECT 1 FROM billing_logs l
                     JOIN invariant_grants g ON g.reference_id = l.details->>'reference_id' AND g.kind = 'reset' AND g.txid = c.txid
                    WHERE l.subscription_id = c.subscription_id AND l.details->>'action' = 'upgrade_applied_without_charge'
                      AND (l.details->>'prorated')::bigint < (l.details->>'min_charge')::bigint))
               -- During a trial the plan switches at once, with the log and grant that say so (contract §11.2).
               AND NOT EXISTS (
                   SELECT 1 FROM billing_logs l
                     JOIN invariant_grants g ON g.reference_id = l.details->>'reference_id' AND g.kind = 'reset' AND g.txid = c.txid
                    WHERE l.subscription_id = c.subscription_id AND l.details->>'action' = 'trial_plan_changed')
            """, "AND c.subscription_id IN (SELECT unnest($1))", NeedsLog: true),
        // contract §11.2: one trial per user (trial_users' key); a trial subscription is the one with trial_end.
        new("one trial per user", ScopeKind.Subscriptions, """
            SELECT s.user_id FROM subscriptions s
             WHERE s.trial_end IS NOT NULL {scope}
             GROUP BY s.user_id HAVING count(*) > 1
            """, "AND s.user_id IN (SELECT c.user_id FROM subscriptions c WHERE c.id IN (SELECT unnest($1)))"),
        // contract §11.1: months 2..12 of a paid yearly invoice, each one interaction reset and one
        // scraper grant to its user, none before its month began, none for a month that began after
        // the subscription was canceled (one beginning at the cancel's very instant is granted). The month's start restated here from §4.2 (anchor + months, UTC).
        // A violation shows its figures, so a failure says which of these broke.
        new("monthly allowances granted once each, after their month began and never after cancel", ScopeKind.Invoices, """
            SELECT format('%s (resets %s, adds %s, invoice %s, month starts %s, first grant %s, canceled %s)',
                          a.reference_id, a.resets, a.adds, a.status, a.month_start, a.first_at, coalesce(a.canceled_at::text, 'no'))
              FROM (
                SELECT t.reference_id, i.status, s.canceled_at,
                       ((s.billing_anchor AT TIME ZONE 'UTC') + make_interval(months =>
                           ((extract(year FROM i.period_start AT TIME ZONE 'UTC') - extract(year FROM s.billing_anchor AT TIME ZONE 'UTC')) * 12
                            + extract(month FROM i.period_start AT TIME ZONE 'UTC') - extract(month FROM s.billing_anchor AT TIME ZONE 'UTC'))::int
                           + substring(t.reference_id from ':m([0-9]+)$')::int - 1)) AT TIME ZONE 'UTC' AS month_start,
                       substring(t.reference_id from ':m([0-9]+)$')::int AS month,
                       count(*) FILTER (WHERE t.credit_type = 'interaction' AND t.kind = 'reset') AS resets,
                       count(*) FILTER (WHERE t.credit_type = 'scraper' AND t.kind = 'add') AS adds,
                       min(t.created_at) AS first_at
                  FROM invoices i
                  JOIN subscriptions s ON s.id = i.subscription_id
                  JOIN credit_transactions t ON t.user_id = i.user_id AND t.reference_id LIKE i.id::text || ':m%'
                 WHERE true {scope}
                 GROUP BY t.reference_id, i.id, s.id) a
             WHERE a.resets <> 1 OR a.adds <> 1 OR a.status NOT IN ('paid', 'refunded') OR a.month NOT BETWEEN 2 AND 12
                OR a.first_at < a.month_start OR a.month_start > a.canceled_at
            """, "AND i.id IN (SELECT unnest($1))"),
        new("a paid upgrade moved its subscription to its plan, in the same transaction", ScopeKind.Invoices, """
            SELECT i.id::text FROM invoices i
              JOIN invariant_grants g ON g.reference_id = i.id::text AND g.kind = 'reset'
             WHERE i.status IN ('paid', 'refunded') AND i.kind = 'plan_change' {scope}
               AND NOT EXISTS (SELECT 1 FROM invariant_plan_changes c
                                WHERE c.subscription_id = i.subscription_id AND c.txid = g.txid
                                  AND c.new_plan::text = i.line_items->>'to_plan_id')
            """, "AND i.id IN (SELECT unnest($1))", NeedsLog: true),
        // Contract §11.3: the redemptions of a coupon are its counter, never more than max_redemptions.
        new("a coupon's redemptions are its times_redeemed, never more than max_redemptions", ScopeKind.Subscriptions, """
            SELECT k.code FROM coupons k
              LEFT JOIN coupon_redemptions r ON r.coupon_id = k.id
             WHERE true {scope}
             GROUP BY k.id, k.code, k.max_redemptions, k.times_redeemed
            HAVING count(r.id) <> k.times_redeemed OR count(r.id) > coalesce(k.max_redemptions, count(r.id))
            """, "AND k.id IN (SELECT c.coupon_id FROM coupon_redemptions c WHERE c.subscription_id IN (SELECT unnest($1)))"),
        // Contract §11, §12.1: price − discount + tax when prices exclude it; never negative.
        new("every invoice's amount is its price less its discount plus exclusive tax, never negative", ScopeKind.Invoices, """
            SELECT i.id::text FROM invoices i
             WHERE i.line_items ? 'price' {scope}
               AND (i.amount < 0
                    OR i.amount <> greatest((i.line_items->>'price')::bigint - coalesce((i.line_items->'discount'->>'amount')::bigint, 0), 0)
                                   + CASE WHEN coalesce((i.line_items->'tax'->>'inclusive')::boolean, true) THEN 0
                                          ELSE coalesce((i.line_items->'tax'->>'amount')::bigint, 0) END)
            """, "AND i.id IN (SELECT unnest($1))"),
        // A crash of the process or of PostgreSQL can cut a callback short between stored and answered
        // (iPaymu resends it, a row of its own); housekeeping closes such a row as 'interrupted' once
        // 5 minutes have passed. So a row without an outcome is wrong once a housekeeping run that
        // started 5 minutes after it has finished; where housekeeping never ran, always.
        new("every stored webhook event has an outcome", ScopeKind.Events, """
            SELECT e.id::text FROM webhook_events e WHERE e.outcome IS NULL {scope}
               AND e.received_at < coalesce((SELECT max(r.started_at) FROM job_runs r
                                              WHERE r.job = 'housekeeping' AND r.status IN ('succeeded', 'completed_with_errors'))
                                            - interval '5 minutes', 'infinity')
            """, "AND e.id IN (SELECT unnest($1))"),
    ];

    /// <summary>Open attempts past expiry plus grace: checked only after a job run that could reach iPaymu.</summary>
    private const string StaleAttempts = """
        SELECT id::text FROM payments WHERE status = 'pending' AND session_id IS NOT NULL AND expires_at + interval '1 hour' < $1
        """;

    public const string StaleRule = "no open attempt older than its expiry plus grace after a job run";

    /// <summary>Checkouts, upgrades and credit packs nobody paid, every attempt closed and past expiry plus grace: checked only after a housekeeping run (contract §7.9).</summary>
    private const string UnwithdrawnUnpaid = """
        SELECT i.id::text FROM invoices i JOIN payments p ON p.invoice_id = i.id
         WHERE i.status = 'pending' AND i.kind IN ('subscription_create', 'plan_change', 'credit_pack')
         GROUP BY i.id
        HAVING count(*) FILTER (WHERE p.status = 'pending') = 0
           AND max(coalesce(p.expires_at, p.updated_at)) + interval '1 hour' < $1
        """;

    public const string UnwithdrawnRule = "no unpaid checkout or upgrade kept past its last attempt's expiry plus grace after housekeeping";

    // ---- Deliveries (contract §8.1) --------------------------------------------------------------
    // Kept apart from Rules on purpose: it needs the service's clock, which may be a test clock.
    // A pending delivery is due at next_attempt_at (a claimed one is leased past it), and every
    // instance looks every few seconds: one overdue by more than a minute was lost by the worker.
    public const string OverdueDeliveriesRule = "no delivery pending past its next_attempt_at by more than a minute";

    private const string OverdueDeliveries = """
        SELECT id::text FROM deliveries WHERE status = 'pending' AND next_attempt_at < coalesce($1, now()) - interval '1 minute'
        """;

    // Every notification is queued for email in its own transaction while email is on (contract §8.1,
    // the notifications_queue_email trigger): one without its row was never going to be sent.
    // Housekeeping prunes sent and skipped rows after the retention period (90 days by default),
    // so only the notifications of that window are asked; also on the service's clock.
    public const string MissingEmailsRule = "every notification of the last 90 days has its email delivery while email is on";

    private const string MissingEmails = """
        SELECT n.id::text FROM notifications n
         WHERE deliveries_channel_enabled('email') AND n.created_at >= coalesce($1, now()) - interval '90 days'
           AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.notification_id = n.id)
        """;
    // ---- end of deliveries -----------------------------------------------------------------------

    /// <summary>Every rule over the whole history.</summary>
    /// <param name="clockNow">The service's clock now (BILLING_TEST_CLOCK when it runs on one); the database's now() when null.</param>
    /// <param name="afterHousekeepingAt">The time of a housekeeping run just finished: unpaid checkouts and upgrades due for withdrawal must be gone.</param>
    public static Task<List<Violation>> CheckAsync(NpgsqlDataSource db, DateTimeOffset? afterJobRunAt = null, DateTimeOffset? clockNow = null,
                                                   DateTimeOffset? afterHousekeepingAt = null) =>
        CheckAsync(db, null, afterJobRunAt, clockNow, afterHousekeepingAt);

    /// <summary>Every rule, over the whole history (<paramref name="scope"/> null) or narrowed to the changed rows it names.</summary>
    /// <param name="clockNow">The service's clock now (BILLING_TEST_CLOCK when it runs on one); the database's now() when null.</param>
    /// <param name="afterHousekeepingAt">The time of a housekeeping run just finished: unpaid checkouts and upgrades due for withdrawal must be gone.</param>
    public static async Task<List<Violation>> CheckAsync(NpgsqlDataSource db, InvariantScope? scope, DateTimeOffset? afterJobRunAt = null,
                                                         DateTimeOffset? clockNow = null, DateTimeOffset? afterHousekeepingAt = null)
    {
        await using var conn = await db.OpenConnectionAsync();
        await TuneAsync(conn);
        var logged = await HasLogAsync(conn);
        // One round trip for the whole list: a simulated year runs it every day.
        await using var batch = new NpgsqlBatch(conn);
        var names = new List<string>();
        foreach (var rule in Rules)
        {
            var ids = scope?.For(rule.Kind);
            if ((scope is not null && ids is Array { Length: 0 }) || (rule.NeedsLog && !logged))
            {
                continue; // nothing of this kind changed, or no log to read
            }
            batch.BatchCommands.Add(Command(rule.Text(scope is not null), ids));
            names.Add(rule.Name);
        }
        // The outbox rules read the pending rows' partial index and a window of notifications (none
        // at all while email is off): cheap whatever the history, so every check runs them.
        foreach (var (rule, sql) in new[] { (OverdueDeliveriesRule, OverdueDeliveries), (MissingEmailsRule, MissingEmails) })
        {
            var cmd = new NpgsqlBatchCommand(sql);
            cmd.Parameters.Add(new NpgsqlParameter { Value = clockNow is { } t ? t.ToUniversalTime() : DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
            batch.BatchCommands.Add(cmd);
            names.Add(rule);
        }
        if (afterJobRunAt is { } at)
        {
            batch.BatchCommands.Add(Command(StaleAttempts, at.ToUniversalTime()));
            names.Add(StaleRule);
        }
        if (afterHousekeepingAt is { } hk)
        {
            batch.BatchCommands.Add(Command(UnwithdrawnUnpaid, hk.ToUniversalTime()));
            names.Add(UnwithdrawnRule);
        }
        var found = new List<Violation>();
        await using var r = await batch.ExecuteReaderAsync();
        foreach (var name in names)
        {
            var rows = new List<string>();
            while (await r.ReadAsync())
            {
                rows.Add(r.IsDBNull(0) ? "(a row whose description is null)" : r.GetString(0));
            }
            if (rows.Count > 0)
            {
                found.Add(new Violation(name, string.Join(", ", rows.Take(5))));
            }
            await r.NextResultAsync();
        }
        return found;
    }

    /// <summary>Whether <see cref="InvariantChangeLog"/>'s plan-change and grant logs are installed in this database.</summary>
    private static async Task<bool> HasLogAsync(NpgsqlConnection conn)
    {
        await using var cmd = new NpgsqlCommand("SELECT to_regclass('invariant_plan_changes') IS NOT NULL AND to_regclass('invariant_grants') IS NOT NULL", conn);
        return (bool)(await cmd.ExecuteScalarAsync())!;
    }

    private static NpgsqlBatchCommand Command(string sql, object? arg)
    {
        var cmd = new NpgsqlBatchCommand(sql);
        if (arg is not null)
        {
            cmd.Parameters.Add(new NpgsqlParameter { Value = arg });
        }
        return cmd;
    }

    /// <summary>Each rule's time in milliseconds (median of <paramref name="runs"/>), for the scale test and the report.</summary>
    public static async Task<List<(string Rule, double Ms)>> TimeAsync(NpgsqlDataSource db, InvariantScope? scope, int runs = 5)
    {
        var times = new List<(string, double)>();
        await using var conn = await db.OpenConnectionAsync();
        await TuneAsync(conn);
        var logged = await HasLogAsync(conn);
        foreach (var rule in Rules.Where(r => logged || !r.NeedsLog))
        {
            var sql = rule.Text(scope is not null);
            var ids = scope?.For(rule.Kind);
            await RowsAsync(conn, sql, ids); // warm: plan and cache
            var samples = new List<double>();
            for (var i = 0; i < runs; i++)
            {
                var sw = Stopwatch.StartNew();
                await RowsAsync(conn, sql, ids);
                samples.Add(sw.Elapsed.TotalMilliseconds);
            }
            samples.Sort();
            times.Add((rule.Name, samples[samples.Count / 2]));
        }
        return times;
    }

    /// <summary>
    /// This session only: a whole-history check hashes 100,000-row sides, which the default 4 MB
    /// spills to disk; and the test database is in memory, so index probes for a day's few hundred
    /// keys are cheaper than the default random_page_cost assumes (it would scan the ledger instead).
    /// </summary>
    private static async Task TuneAsync(NpgsqlConnection conn)
    {
        await using var set = new NpgsqlCommand("SET work_mem = '64MB'; SET random_page_cost = 1.1", conn);
        await set.ExecuteNonQueryAsync();
    }

    public static string Describe(IEnumerable<Violation> violations) =>
        string.Join("\n", violations.Select(v => $"  - {v.Rule}: {v.Rows}"));

    private static async Task<List<string>> RowsAsync(NpgsqlConnection conn, string sql, object? arg)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        if (arg is not null)
        {
            cmd.Parameters.Add(new NpgsqlParameter { Value = arg });
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
