-- Yearly plans (contract §11.1): periods of 12 calendar months, credits as a monthly allowance.
-- Each function lives in exactly one file of db/functions/; the migrator re-applies a file when
-- it changes (docs/architecture.md, "Where a change goes").

-- p_at + p_months calendar months in UTC (contract §4.2): clamped to the last day of a short month,
-- time of day kept, whatever the session's TimeZone. Billing/BillingPeriod.cs is the same rule.
CREATE OR REPLACE FUNCTION billing_add_months(p_at timestamptz, p_months integer) RETURNS timestamptz
LANGUAGE sql IMMUTABLE AS $$
    SELECT ((p_at AT TIME ZONE 'UTC') + make_interval(months => p_months)) AT TIME ZONE 'UTC'
$$;

-- The months from the anchor to p_at, counted in UTC calendar months (BillingPeriod.IndexOfEnd).
CREATE OR REPLACE FUNCTION billing_month_index(p_anchor timestamptz, p_at timestamptz) RETURNS integer
LANGUAGE sql IMMUTABLE AS $$
    SELECT ((extract(year FROM p_at AT TIME ZONE 'UTC') - extract(year FROM p_anchor AT TIME ZONE 'UTC')) * 12
            + extract(month FROM p_at AT TIME ZONE 'UTC') - extract(month FROM p_anchor AT TIME ZONE 'UTC'))::integer
$$;

-- The housekeeping step of contract §11.1: a paid yearly invoice granted month 1 when it was paid
-- (db/functions/settlement_grant.sql); month m+1 (m = 1..11) starts at anchor + (k + m) months,
-- where the invoice's period starts at anchor + k months, and is granted here once it has begun:
-- interaction credits reset and scraper credits added for the plan in force, with reference_id
-- '<invoice id>:m<m+1>'. Once per (invoice, month) is held by credit_transactions_reference_key
-- on that reference (a second grant of it is a replay that changes nothing), so a late or a
-- repeated run grants nothing twice. A month that starts after the subscription was canceled is
-- never granted; one that starts at the very instant of the cancellation is, so the outcome does not
-- depend on whether this run or the cancel came first (with a frozen clock both carry one time). Returns how many months were granted (at most p_limit; call again).
CREATE OR REPLACE FUNCTION billing_grant_allowances(p_now timestamptz, p_limit integer)
RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    r record;
    v_count integer := 0;
BEGIN
    FOR r IN
        WITH inv AS MATERIALIZED (
            SELECT i.id, i.user_id, i.subscription_id, i.period_start, i.period_end
              FROM invoices i
             WHERE i.status = 'paid' AND i.kind IN ('renewal', 'subscription_create')
               AND (i.line_items->>'period') = 'yearly'
               -- A week's grace after the year: month 12 is granted even by a run that was late.
               AND i.period_end > p_now - interval '7 days'
               AND i.period_start <= p_now
        )
        SELECT inv.id AS invoice_id, inv.user_id, inv.subscription_id, m.month, ms.month_start, ref.reference_id,
               pl.name AS plan_name, pl.interaction_credits, pl.scraper_credits
          FROM inv
          JOIN subscriptions s ON s.id = inv.subscription_id
          JOIN subscription_plans pl ON pl.id = s.plan_id
          CROSS JOIN generate_series(1, 11) AS m(month)
          CROSS JOIN LATERAL (SELECT billing_add_months(s.billing_anchor,
                                  billing_month_index(s.billing_anchor, inv.period_start) + m.month) AS month_start) ms
          CROSS JOIN LATERAL (SELECT inv.id || ':m' || (m.month + 1) AS reference_id) ref
         WHERE ms.month_start <= p_now
           AND ms.month_start < inv.period_end
           AND (s.canceled_at IS NULL OR ms.month_start <= s.canceled_at)
           AND NOT EXISTS (SELECT 1 FROM credit_transactions t
                            WHERE t.user_id = inv.user_id AND t.credit_type = 'interaction' AND t.kind = 'reset'
                              AND t.reference_id = ref.reference_id)
         ORDER BY ms.month_start, inv.id, m.month
         LIMIT p_limit
    LOOP
        PERFORM reset_interaction_credits(r.user_id, r.interaction_credits, r.reference_id,
                format('Yearly plan %s, month %s - %s interaction credits', r.plan_name, r.month + 1, r.interaction_credits), p_now);
        PERFORM add_scraper_credits(r.user_id, r.scraper_credits, r.reference_id,
                format('Yearly plan %s, month %s - %s scraper credits', r.plan_name, r.month + 1, r.scraper_credits), p_now);
        PERFORM log_billing_event('allowance', r.subscription_id, r.user_id, 'success',
                jsonb_build_object('invoice_id', r.invoice_id, 'month', r.month + 1, 'month_start', r.month_start,
                                   'reference_id', r.reference_id), NULL, p_now);
        v_count := v_count + 1;
    END LOOP;
    RETURN v_count;
END $$;
