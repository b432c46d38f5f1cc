namespace BillingCycle.TestSupport;

/// <summary>
/// A billing history written straight in SQL, shaped like the one the service writes (invoices,
/// their attempts, retries, credit grants and a spend after each, callbacks), so the invariant
/// checker can be timed at 100,000 invoices in seconds instead of a simulated decade, and broken on
/// purpose. Every invariant holds on it. Per subscription (one user each), one invoice a month:
/// most paid at once, one in ten paid on retry 1, one in fifty of those with the first link paid
/// as well (a flagged oddity); the last month: one subscription in fifty canceled by dunning
/// (six failed attempts, five failed retries), one in fifty past due, one in twenty still pending.
/// One in ten upgrades in its second month (a paid plan_change invoice, the plan changed).
/// </summary>
public static class GeneratedHistory
{
    public static async Task WriteAsync(TestDatabase db, int subscriptions, int months)
    {
        // The service's event triggers (db/functions/events.sql) would build an API object for
        // each of the history's rows: over half the writing time, for an events table no invariant
        // reads. Off while the history is written (this database only, same transaction), on again after.
        var sql = EventsOff + Sql.Replace("$subs", subscriptions.ToString(System.Globalization.CultureInfo.InvariantCulture))
                     .Replace("$months", months.ToString(System.Globalization.CultureInfo.InvariantCulture)) + EventsOn;
        // One batch, so one implicit transaction: the ON COMMIT DROP work tables live until its end.
        await using var cmd = db.DataSource.CreateCommand(sql);
        cmd.CommandTimeout = 600; // 100,000 invoices take ~15 s on a busy 2-core machine
        await cmd.ExecuteNonQueryAsync();
    }

    private const string EventsOff = """
        ALTER TABLE invoices DISABLE TRIGGER invoices_events_insert;
        ALTER TABLE credit_transactions DISABLE TRIGGER credit_transactions_events;
        ALTER TABLE subscriptions DISABLE TRIGGER subscriptions_events;

        """;

    private const string EventsOn = """

        ALTER TABLE invoices ENABLE TRIGGER invoices_events_insert;
        ALTER TABLE credit_transactions ENABLE TRIGGER credit_transactions_events;
        ALTER TABLE subscriptions ENABLE TRIGGER subscriptions_events;
        """;

    private const string Sql = """
        CREATE TEMP TABLE gen_subs ON COMMIT DROP AS
        SELECT g AS n, 'gen' || lpad(g::text, 7, '0') AS user_id, gen_random_uuid() AS id,
               timestamptz '2025-01-01 00:00Z' + make_interval(days => g % 28, hours => g % 24) AS anchor,
               CASE g % 50 WHEN 0 THEN 'dunned' WHEN 1 THEN 'past_due' ELSE CASE WHEN g % 20 = 2 THEN 'pending' ELSE 'paid' END END AS fate
          FROM generate_series(1, $subs) g;

        CREATE TEMP TABLE gen_invoices ON COMMIT DROP AS
        SELECT gen_random_uuid() AS id, s.id AS subscription_id, s.user_id, s.n, m,
               'GEN-' || s.n || '-' || m AS number,
               s.anchor + make_interval(months => m) AS period_start,
               s.anchor + make_interval(months => m + 1) AS period_end,
               CASE WHEN m < $months - 1 THEN 'paid'
                    ELSE CASE s.fate WHEN 'dunned' THEN 'cancelled' WHEN 'past_due' THEN 'failed' WHEN 'pending' THEN 'pending' ELSE 'paid' END
               END AS status,
               (s.n * 7 + m) % 10 = 0 AS on_retry,
               (s.n * 7 + m) % 500 = 0 AS twice
          FROM gen_subs s, generate_series(0, $months - 1) m;

        -- How many attempts each invoice has, and which one (if any) settled it.
        CREATE TEMP TABLE gen_attempts ON COMMIT DROP AS
        SELECT i.*, a,
               CASE WHEN i.status = 'paid' AND a = (CASE WHEN i.on_retry THEN 2 ELSE 1 END) THEN 'paid'
                    WHEN i.status = 'paid' AND i.twice AND a = 1 THEN 'paid'
                    WHEN i.status = 'paid' THEN 'expired'
                    WHEN i.status = 'cancelled' THEN 'failed'
                    WHEN i.status = 'failed' THEN 'expired'
                    ELSE 'pending' END AS pay_status,
               i.status = 'paid' AND i.twice AND a = 1 AS oddity
          FROM gen_invoices i,
               generate_series(1, CASE WHEN i.status = 'cancelled' THEN 6 WHEN i.status = 'paid' AND i.on_retry THEN 2 ELSE 1 END) a;

        INSERT INTO subscription_plans (id, name, price, interaction_credits, scraper_credits)
        VALUES ('00000000-0000-0000-0000-00000000a11d', 'Generated', 149000, 1000, 500);

        INSERT INTO users (id, email, full_name, phone)
        SELECT user_id, user_id || '@example.com', 'Generated ' || n, '0812' || lpad(n::text, 7, '0') FROM gen_subs;

        -- The period covers the last paid invoice.
        INSERT INTO subscriptions (id, user_id, plan_id, status, billing_anchor, current_period_start, current_period_end,
                                   canceled_at, cancel_reason)
        SELECT s.id, s.user_id, '00000000-0000-0000-0000-00000000a11d',
               CASE s.fate WHEN 'dunned' THEN 'canceled' WHEN 'past_due' THEN 'past_due' ELSE 'active' END,
               s.anchor,
               s.anchor + make_interval(months => CASE WHEN s.fate = 'paid' THEN $months - 1 ELSE $months - 2 END),
               s.anchor + make_interval(months => CASE WHEN s.fate = 'paid' THEN $months ELSE $months - 1 END),
               CASE WHEN s.fate = 'dunned' THEN s.anchor + make_interval(months => $months) END,
               CASE WHEN s.fate = 'dunned' THEN 'Payment failed after 5 retry attempts' END
          FROM gen_subs s;

        INSERT INTO invoices (id, invoice_number, user_id, subscription_id, period_start, period_end, amount, status,
                              attempt_count, paid_at, created_at, updated_at)
        SELECT id, number, user_id, subscription_id, period_start, period_end, 149000, status,
               CASE WHEN status = 'cancelled' THEN 6 WHEN on_retry AND status = 'paid' THEN 2 ELSE 1 END,
               CASE WHEN status = 'paid' THEN period_start + interval '2 hours' END, period_start, period_start
          FROM gen_invoices;

        INSERT INTO payments (invoice_id, attempt_number, reference_id, session_id, transaction_id, status, amount, fee,
                              expires_at, paid_at, oddity, created_at, updated_at)
        SELECT id, a, number || '-' || a, md5(number || '-' || a),
               CASE WHEN pay_status = 'paid' THEN 'T' || number || '-' || a END,
               pay_status, 149000, 4000,
               period_start + make_interval(days => 2 * a - 1),
               CASE WHEN pay_status = 'paid' THEN period_start + make_interval(days => 2 * a - 2, hours => 2) END,
               CASE WHEN oddity THEN 'invoice_already_paid' END,
               period_start + make_interval(days => 2 * a - 2), period_start + make_interval(days => 2 * a - 2)
          FROM gen_attempts;

        INSERT INTO payment_retries (subscription_id, invoice_id, attempt_number, retry_date, status, payment_id)
        SELECT i.subscription_id, i.id, r, i.period_start + make_interval(days => r),
               CASE WHEN i.status = 'paid' THEN 'processed' WHEN i.status = 'failed' THEN 'pending' ELSE 'failed' END,
               CASE WHEN i.status <> 'failed' THEN (SELECT p.id FROM payments p WHERE p.invoice_id = i.id AND p.attempt_number = r + 1) END
          FROM gen_invoices i,
               generate_series(1, CASE WHEN i.status = 'cancelled' THEN 5 WHEN i.status = 'failed' OR (i.status = 'paid' AND i.on_retry) THEN 1 ELSE 0 END) r;

        -- One subscription in ten upgrades ten days into its second month (a paid month): a paid
        -- plan_change invoice for the rest of that period, its payment (and, below, its callback),
        -- the plan changed, the interaction credits reset and the scraper difference added.
        CREATE TEMP TABLE gen_upgrades ON COMMIT DROP AS
        SELECT gen_random_uuid() AS id, i.subscription_id, i.user_id, i.n, 'GEN-' || i.n || '-up' AS number,
               i.period_start + interval '10 days' AS period_start, i.period_end
          FROM gen_invoices i WHERE i.m = 1 AND i.n % 10 = 3 AND i.status = 'paid';

        INSERT INTO subscription_plans (id, name, price, interaction_credits, scraper_credits)
        VALUES ('00000000-0000-0000-0000-00000000a11e', 'Generated Plus', 299000, 1000, 800);

        INSERT INTO invoices (id, invoice_number, user_id, subscription_id, period_start, period_end, amount, status, kind,
                              line_items, attempt_count, paid_at, created_at, updated_at)
        SELECT id, number, user_id, subscription_id, period_start, period_end, 100000, 'paid', 'plan_change',
               jsonb_build_object('type', 'plan_change', 'from_plan_id', '00000000-0000-0000-0000-00000000a11d',
                                  'to_plan_id', '00000000-0000-0000-0000-00000000a11e',
                                  'interaction_credits', 1000, 'scraper_credits', 300),
               1, period_start + interval '1 hour', period_start, period_start
          FROM gen_upgrades;

        INSERT INTO payments (invoice_id, attempt_number, reference_id, session_id, transaction_id, status, amount, fee,
                              expires_at, paid_at, created_at, updated_at)
        SELECT id, 1, number || '-1', md5(number || '-1'), 'T' || number || '-1', 'paid', 100000, 4000,
               period_start + interval '1 day', period_start + interval '1 hour', period_start, period_start
          FROM gen_upgrades;

        UPDATE subscriptions SET plan_id = '00000000-0000-0000-0000-00000000a11e'
         WHERE id IN (SELECT subscription_id FROM gen_upgrades);

        -- Each paid invoice: the interaction reset to 1,000 and 500 scraper credits added; then
        -- 300 interaction credits spent (no reference), so the next reset adds 300.
        CREATE TEMP TABLE gen_paid ON COMMIT DROP AS
        SELECT i.id, i.user_id, i.period_start + interval '2 hours' AS at,
               row_number() OVER (PARTITION BY i.user_id ORDER BY i.m) AS k
          FROM gen_invoices i WHERE i.status = 'paid';

        INSERT INTO credit_transactions (user_id, credit_type, kind, amount, balance_after, reference_id, description, created_at, seq)
        SELECT user_id, 'interaction', 'reset', CASE WHEN k = 1 THEN 1000 ELSE 300 END, 1000, id::text, 'Monthly renewal', at, 2 * k - 1
          FROM gen_paid
        UNION ALL
        SELECT user_id, 'interaction', 'consume', -300, 700, NULL, 'Spent', at + interval '1 day', 2 * k FROM gen_paid
        UNION ALL
        SELECT user_id, 'scraper', 'add', 500, 500 * k, id::text, 'Monthly renewal', at, k FROM gen_paid
        UNION ALL
        -- An upgrade's: the interaction reset (from 700 after the month's spend) and spent again, so
        -- the next renewal's reset adds 300 as for everyone; the scraper difference added.
        SELECT user_id, 'interaction', 'reset', 300, 1000, id::text, 'Plan changed', period_start + interval '1 hour', 10000 FROM gen_upgrades
        UNION ALL
        SELECT user_id, 'interaction', 'consume', -300, 700, NULL, 'Spent', period_start + interval '1 day', 10001 FROM gen_upgrades
        UNION ALL
        SELECT user_id, 'scraper', 'add', 300, 300, id::text, 'Plan changed', period_start + interval '1 hour', 10000 FROM gen_upgrades;

        INSERT INTO credit_balances (user_id, credit_type, balance, last_seq)
        SELECT user_id, credit_type, sum(amount), max(seq) FROM credit_transactions GROUP BY user_id, credit_type;

        INSERT INTO webhook_events (received_at, transaction_id, reference_id, status_code, content_type, payload,
                                    signature_valid, outcome, processed_at)
        SELECT paid_at, transaction_id, reference_id, '1', 'application/x-www-form-urlencoded', '{}'::jsonb, true, 'applied', paid_at
          FROM payments WHERE status = 'paid';

        ANALYZE;
        """;
}
