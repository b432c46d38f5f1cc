namespace BillingCycle.Bench;

/// <summary>
/// The console phase's data: 100,000 subscriptions with a year of history (November 2025 to
/// October 2026) and the current month renewed, as the engine leaves them. Every invoice has its
/// attempts, retries, credit grants, notifications, billing logs and callbacks; fates are spread by
/// a hash of (subscription, month): 90% pay the first link, the rest pay on retry 1–5, some open
/// dunning now, 2% of subscriptions leave once (canceled by dunning), oddities now and then.
/// Written in SQL in bulk (the engine's own rate is the renewal phase's business).
/// </summary>
public static class ConsoleSeed
{
    public const int Subscriptions = 100_000;
    public const int Months = 13; // a year of history and the current month
    public static readonly DateTimeOffset Now = new(2026, 11, 20, 10, 0, 0, TimeSpan.Zero);

    public static readonly string[] Steps =
    [
        """
        INSERT INTO subscription_plans (id, name, price, interaction_credits, scraper_credits) VALUES
          ('00000000-0000-0000-0000-00000000c000', 'Free', 0, 100, 10),
          ('00000000-0000-0000-0000-00000000c001', 'Starter', 49000, 500, 100),
          ('00000000-0000-0000-0000-00000000c002', 'Pro', 149000, 1000, 500),
          ('00000000-0000-0000-0000-00000000c003', 'Business', 299000, 5000, 2000)
        """,
        """
        INSERT INTO users (id, email, full_name, phone, created_at)
        SELECT 'bench_' || g, 'bench_' || g || '@example.com', 'Customer ' || g, '0812' || lpad(g::text, 7, '0'), timestamptz '2025-10-01Z'
          FROM generate_series(1, 100000) g
        """,
        // Each (subscription, month): its fate. Subscriptions with g % 50 = 0 are canceled by dunning in month (g / 50) % 12
        // and have no later months; in the current month (12) 1.5% are still in dunning.
        """
        CREATE UNLOGGED TABLE bench_cohort AS
        SELECT g, m, timestamptz '2025-11-01Z' + make_interval(months => m) AS ps,
               timestamptz '2025-11-01Z' + make_interval(months => m + 1) AS pe,
               CASE WHEN g % 50 = 0 AND m = (g / 50) % 12 THEN 'canceled'
                    WHEN m = 12 AND h >= 985 THEN 'open'
                    WHEN h < 900 THEN 'paid1' WHEN h < 940 THEN 'paid2' WHEN h < 960 THEN 'paid3'
                    WHEN h < 970 THEN 'paid4' WHEN h < 976 THEN 'paid5' ELSE 'paid6' END AS fate
          FROM (SELECT g, m, (g * 7919 + m * 104729) % 1000 AS h FROM generate_series(1, 100000) g, generate_series(0, 12) m) x
         WHERE NOT (g % 50 = 0 AND m > (g / 50) % 12)
        """,
        """
        INSERT INTO subscriptions (id, user_id, plan_id, status, billing_anchor, current_period_start, current_period_end,
                                   canceled_at, cancel_reason, created_at, updated_at)
        SELECT md5('sub' || c.g)::uuid, 'bench_' || c.g, ('00000000-0000-0000-0000-00000000c00' || (c.g % 4))::uuid,
               CASE c.fate WHEN 'canceled' THEN 'canceled' WHEN 'open' THEN 'past_due' ELSE 'active' END,
               timestamptz '2025-10-01Z',
               CASE WHEN c.fate IN ('canceled', 'open') THEN c.ps - interval '1 month' ELSE c.ps END,
               CASE WHEN c.fate IN ('canceled', 'open') THEN c.ps ELSE c.pe END,
               CASE WHEN c.fate = 'canceled' THEN c.ps + interval '28 days 2 hours' END,
               CASE WHEN c.fate = 'canceled' THEN 'Payment failed after 5 retry attempts' END,
               timestamptz '2025-10-01Z', c.ps
          FROM bench_cohort c
          JOIN (SELECT g, max(m) AS m FROM bench_cohort GROUP BY g) last ON last.g = c.g AND last.m = c.m
        """,
        """
        INSERT INTO invoices (id, invoice_number, user_id, subscription_id, period_start, period_end, amount, status, line_items,
                              attempt_count, paid_at, created_at, updated_at)
        SELECT md5('inv' || c.g || '-' || c.m)::uuid,
               'INV-' || to_char(c.ps, 'YYYYMM') || '-' || lpad(c.g::text, 6, '0'),
               'bench_' || c.g, md5('sub' || c.g)::uuid, c.ps, c.pe, p.price,
               CASE c.fate WHEN 'canceled' THEN 'cancelled' WHEN 'open' THEN 'failed' ELSE 'paid' END,
               jsonb_build_object('type', 'subscription_renewal', 'plan_name', p.name, 'period', 'monthly', 'price', p.price),
               CASE c.fate WHEN 'canceled' THEN 6 WHEN 'open' THEN 2 ELSE substr(c.fate, 5)::int END,
               CASE WHEN c.fate LIKE 'paid%' THEN c.ps + interval '2 hours' + make_interval(days => substr(c.fate, 5)::int - 1) END,
               c.ps + interval '2 hours', c.ps + interval '2 hours'
          FROM bench_cohort c JOIN subscription_plans p ON p.id = ('00000000-0000-0000-0000-00000000c00' || (c.g % 4))::uuid
        """,
        // Attempts: the paying one last; every earlier one expired. An open dunning invoice has retry 1's link open.
        """
        INSERT INTO payments (id, invoice_id, attempt_number, reference_id, session_id, transaction_id, payment_url, status, amount,
                              expires_at, paid_at, failure_reason, created_at, updated_at)
        SELECT md5('pay' || c.g || '-' || c.m || '-' || a)::uuid, md5('inv' || c.g || '-' || c.m)::uuid, a,
               'INV-' || to_char(c.ps, 'YYYYMM') || '-' || lpad(c.g::text, 6, '0') || '-' || a,
               'sess-' || c.g || '-' || c.m || '-' || a, 'trx-' || c.g || '-' || c.m || '-' || a, 'http://pay.test/' || c.g,
               CASE WHEN a < n.n THEN 'expired' WHEN c.fate LIKE 'paid%' THEN 'paid' WHEN c.fate = 'open' THEN 'pending' ELSE 'expired' END,
               p.price, c.ps + make_interval(days => a),
               CASE WHEN a = n.n AND c.fate LIKE 'paid%' THEN c.ps + interval '2 hours' + make_interval(days => a - 1) END,
               CASE WHEN a < n.n OR c.fate = 'canceled' THEN 'payment link expired unpaid' END,
               c.ps + interval '2 hours' + make_interval(days => a - 1), c.ps + make_interval(days => a)
          FROM bench_cohort c
          JOIN subscription_plans p ON p.id = ('00000000-0000-0000-0000-00000000c00' || (c.g % 4))::uuid
          CROSS JOIN LATERAL (SELECT CASE c.fate WHEN 'canceled' THEN 6 WHEN 'open' THEN 2 ELSE substr(c.fate, 5)::int END AS n) n
          CROSS JOIN LATERAL generate_series(1, n.n) a
        """,
        """
        INSERT INTO payment_retries (subscription_id, invoice_id, attempt_number, retry_date, status, payment_id, created_at, updated_at)
        SELECT md5('sub' || c.g)::uuid, p.invoice_id, p.attempt_number - 1, p.created_at,
               CASE p.status WHEN 'paid' THEN 'processed' WHEN 'pending' THEN 'in_progress' ELSE 'failed' END, p.id,
               p.created_at - interval '1 day', p.updated_at
          FROM bench_cohort c JOIN payments p ON p.invoice_id = md5('inv' || c.g || '-' || c.m)::uuid
         WHERE p.attempt_number > 1
        """,
        """
        INSERT INTO credit_transactions (user_id, credit_type, kind, amount, balance_after, reference_id, description, created_at, seq)
        SELECT i.user_id, t.type, t.kind, t.amount, t.amount, i.id::text, 'Monthly renewal', i.paid_at,
               row_number() OVER (PARTITION BY i.user_id, t.type ORDER BY i.paid_at)
          FROM invoices i, (VALUES ('interaction', 'reset', 1000), ('scraper', 'add', 500)) t(type, kind, amount)
         WHERE i.status = 'paid'
        """,
        """
        INSERT INTO credit_balances (user_id, credit_type, balance, last_seq, updated_at)
        SELECT user_id, credit_type, max(balance_after), max(seq), max(created_at) FROM credit_transactions GROUP BY user_id, credit_type
        """,
        """
        INSERT INTO notifications (user_id, type, title, message, data, created_at)
        SELECT i.user_id, 'billing_payment_due', 'Payment Due', 'Your subscription renewal is due.',
               jsonb_build_object('payment_url', p.payment_url, 'invoice_id', i.id), p.created_at
          FROM payments p JOIN invoices i ON i.id = p.invoice_id
        UNION ALL
        SELECT i.user_id, CASE WHEN i.status = 'paid' THEN 'billing_success' ELSE 'billing_failed' END, 'Billing', 'history', '{}', i.updated_at
          FROM invoices i
        """,
        """
        INSERT INTO billing_logs (event_type, subscription_id, user_id, status, details, created_at)
        SELECT 'renewal', i.subscription_id, i.user_id, 'pending', jsonb_build_object('invoice_id', i.id), i.created_at FROM invoices i
        UNION ALL
        SELECT CASE WHEN p.attempt_number = 1 THEN 'renewal' ELSE 'retry' END, i.subscription_id, i.user_id,
               CASE p.status WHEN 'paid' THEN 'success' WHEN 'pending' THEN 'pending' ELSE 'failed' END,
               jsonb_build_object('invoice_id', i.id, 'payment_id', p.id), p.updated_at
          FROM payments p JOIN invoices i ON i.id = p.invoice_id
        """,
        """
        INSERT INTO webhook_events (received_at, transaction_id, reference_id, status_code, content_type, payload, signature_valid, outcome, processed_at)
        SELECT p.updated_at, p.transaction_id, p.reference_id, CASE p.status WHEN 'paid' THEN '1' ELSE '-2' END,
               'application/x-www-form-urlencoded', jsonb_build_object('trx_id', p.transaction_id, 'reference_id', p.reference_id),
               true, CASE p.status WHEN 'paid' THEN 'applied' ELSE 'expired:retry_scheduled' END, p.updated_at
          FROM payments p WHERE p.status <> 'pending'
        """,
        // One payment in a thousand is an oddity (paid twice, or the wrong amount); two thirds of them resolved.
        """
        INSERT INTO billing_logs (id, event_type, subscription_id, user_id, status, details, error_message, created_at)
        SELECT md5('odd' || i.id)::uuid, 'payment_oddity', i.subscription_id, i.user_id, 'error',
               jsonb_build_object('kind', 'amount_mismatch', 'payment_id', p.id, 'invoice_id', i.id, 'transaction_id', p.transaction_id,
                                  'expected', i.amount, 'reported', 1000),
               'Paid amount does not match the invoice', p.updated_at
          FROM invoices i JOIN payments p ON p.invoice_id = i.id AND p.attempt_number = 1
         WHERE abs(hashtext(i.id::text)) % 1000 = 0
        """,
        """
        INSERT INTO oddity_resolutions (billing_log_id, resolved_by, note, resolved_at)
        SELECT id, 'bench_operator', 'checked', created_at + interval '1 day' FROM billing_logs
         WHERE event_type = 'payment_oddity' AND abs(hashtext(id::text)) % 3 <> 0
        """,
        """
        INSERT INTO job_runs (job, trigger, started_at, finished_at, status, counts)
        SELECT j.job, 'schedule', d + j.at, d + j.at + interval '3 minutes', 'succeeded', '{"processed": 3300, "summary": {"pending_payment": 3300}}'::jsonb
          FROM generate_series(timestamptz '2025-11-01Z', timestamptz '2026-11-20Z', interval '1 day') d,
               (VALUES ('renewal', interval '2 hours'), ('retry', interval '3 hours')) j(job, at)
        UNION ALL
        SELECT 'housekeeping', 'schedule', t, t + interval '2 seconds', 'succeeded', '{"processed": 0}'::jsonb
          FROM generate_series(timestamptz '2025-11-01Z', timestamptz '2026-11-20 09:45Z', interval '15 minutes') t
        """,
        "DROP TABLE bench_cohort",
    ];
}
