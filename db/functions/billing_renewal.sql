-- Renewal of due subscriptions (contract §4.3, §4.4, §7.5), a page at a time. Locks are always taken
-- in the same order — subscription, then invoice, then payment — in every billing function, so
-- concurrent renewals, callbacks and reconciliations cannot deadlock.
-- Each function lives in exactly one file of db/functions/; the migrator re-applies a file when
-- it changes (docs/architecture.md, "Where a change goes").

DROP FUNCTION IF EXISTS billing_renew_subscription(uuid, timestamptz, timestamptz, uuid, timestamptz);
DROP FUNCTION IF EXISTS billing_renew_subscription(uuid, timestamptz, timestamptz, uuid, timestamptz, jsonb);
DROP FUNCTION IF EXISTS billing_renew_page(uuid[], timestamptz[], timestamptz[], boolean, uuid, timestamptz, jsonb);

-- A page of renewals in one transaction: for each subscription (with the next period the caller
-- computed from its anchor, Billing/BillingPeriod.cs), the next period's invoice and payment
-- attempt 1, or cancellation at period end. Set-based: one INSERT … SELECT writes every invoice,
-- their attempts and their logs (the events triggers fire per row, in this same transaction).
-- The plan billed is the scheduled one when a downgrade waits; an open upgrade invoice is
-- withdrawn first (the renewal bills the current plan). The unique (subscription_id,
-- period_start) makes a second invoice impossible; a conflict means "already done".
-- p_wait = false locks with SKIP LOCKED: a subscription another transaction holds (a callback, a
-- plan change) is answered 'busy' instead of stalling the page, and the caller comes back for it
-- with p_wait = true. One row per subscription given: created, canceled, busy, not_due,
-- already_invoiced, waived (a coupon's discount left too little to charge: settled at once,
-- db/functions/coupons.sql).
CREATE OR REPLACE FUNCTION billing_renew_page(
    p_subscription_ids uuid[], p_period_starts timestamptz[], p_period_ends timestamptz[],
    p_wait boolean, p_run_id uuid, p_now timestamptz, p_tax jsonb DEFAULT '{}'::jsonb, p_min_charge bigint DEFAULT 0)
RETURNS TABLE (outcome text, subscription_id uuid, invoice_id uuid, payment_id uuid, amount bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    v_locked uuid[];
    v_due uuid[];
    v_canceled uuid[];
    s record;
BEGIN
    -- Locked by key alone, state checked outside the locking query: with a status or period
    -- predicate the planner may walk a partial index whose rows are the whole day (all due
    -- subscriptions share one period end; db/migrations/0008_point_lookups.sql).
    IF p_wait THEN
        SELECT array_agg(l.id) INTO v_locked FROM (
            SELECT x.id FROM subscriptions x WHERE x.id = ANY (p_subscription_ids) ORDER BY x.id FOR UPDATE) l;
    ELSE
        SELECT array_agg(l.id) INTO v_locked FROM (
            SELECT x.id FROM subscriptions x WHERE x.id = ANY (p_subscription_ids) ORDER BY x.id FOR UPDATE SKIP LOCKED) l;
    END IF;
    v_locked := coalesce(v_locked, '{}');

    -- Still due under the lock: live (active, or trialing: a trial's end bills its first period,
    -- contract §11.2), and its period still ends where the next one starts.
    WITH x AS MATERIALIZED (
        SELECT x.id, x.status, x.current_period_end, x.cancel_at_period_end
          FROM subscriptions x WHERE x.id = ANY (v_locked))
    SELECT coalesce(array_agg(x.id), '{}'), coalesce(array_agg(x.id) FILTER (WHERE x.cancel_at_period_end), '{}')
      INTO v_due, v_canceled
      FROM x JOIN unnest(p_subscription_ids, p_period_starts) AS u(id, period_start) ON u.id = x.id
     WHERE x.status IN ('active', 'trialing') AND x.current_period_end = u.period_start;

    -- Set to cancel at period end: canceled, not billed (rare: one at a time).
    FOR s IN SELECT x.id, x.user_id, x.current_period_end, pl.name AS plan_name
               FROM subscriptions x JOIN subscription_plans pl ON pl.id = x.plan_id
              WHERE x.id = ANY (v_canceled) LOOP
        PERFORM cancel_subscription(s.id, 'Canceled at period end', p_now);
        PERFORM notify(s.user_id, 'subscription_cancelled', 'period_end', jsonb_build_object('plan_name', s.plan_name),
                jsonb_build_object('subscription_id', s.id, 'reason', 'cancel_at_period_end', 'period_end', s.current_period_end),
                p_now);
        PERFORM log_billing_event('renewal', s.id, s.user_id, 'success',
                jsonb_build_object('action', 'canceled_at_period_end', 'period_end', s.current_period_end), NULL, p_now);
    END LOOP;

    -- An upgrade still unpaid at renewal is withdrawn: the renewal bills the plan in force (contract §7.5).
    -- Invoices are found by subscription_id, their status checked after (0008).
    FOR s IN WITH i AS MATERIALIZED (
                 SELECT iv.id, iv.subscription_id, iv.user_id, iv.status
                   FROM invoices iv WHERE iv.subscription_id = ANY (v_due) AND iv.kind = 'plan_change')
             SELECT i.id, i.subscription_id, i.user_id FROM i
              WHERE i.status = 'pending' AND NOT i.subscription_id = ANY (v_canceled) LOOP
        UPDATE invoices SET status = 'cancelled', updated_at = p_now WHERE id = s.id;
        PERFORM billing_close_open_attempts(s.id, 'upgrade withdrawn at renewal', p_now);
        PERFORM log_billing_event('plan_change', s.subscription_id, s.user_id, 'success',
                jsonb_build_object('action', 'upgrade_cancelled_at_renewal', 'invoice_id', s.id), NULL, p_now);
    END LOOP;

    RETURN QUERY
    WITH page AS (
        SELECT u.id, u.period_start, u.period_end
          FROM unnest(p_subscription_ids, p_period_starts, p_period_ends) AS u(id, period_start, period_end)
         WHERE u.id = ANY (v_due) AND NOT u.id = ANY (v_canceled)
    ), billed AS (
        -- A downgrade waiting for this renewal: the new period is invoiced at the scheduled plan.
        SELECT x.id, x.user_id, x.plan_id, page.period_start, page.period_end, pl.id AS bill_plan_id, pl.name,
               pl.price, pl.interaction_credits, pl.scraper_credits, pl.billing_interval, t.amount, t.tax_line, d.discount
          FROM page
          JOIN subscriptions x ON x.id = page.id
          JOIN subscription_plans pl ON pl.id = coalesce(x.scheduled_plan_id, x.plan_id)
          CROSS JOIN LATERAL billing_coupon_discount(x.id, pl.id, pl.price, page.period_start, true) d(discount)
          CROSS JOIN LATERAL billing_compose_invoice(pl.price, coalesce((d.discount->>'amount')::bigint, 0), p_tax) t
         ORDER BY x.id
    ), inv AS (
        INSERT INTO invoices (invoice_number, user_id, subscription_id, period_start, period_end, amount,
                              currency, status, kind, line_items, attempt_count, created_at, updated_at)
        SELECT billing_next_invoice_number(p_now), b.user_id, b.id, b.period_start, b.period_end, b.amount, 'IDR',
               'pending', 'renewal',
               jsonb_build_object('type', 'subscription_renewal', 'plan_name', b.name,
                                  'period', CASE WHEN b.billing_interval = 'year' THEN 'yearly' ELSE 'monthly' END,
                                  'period_start', b.period_start, 'period_end', b.period_end, 'price', b.price,
                                  'plan_id', b.bill_plan_id, 'interaction_credits', b.interaction_credits,
                                  'scraper_credits', b.scraper_credits,
                                  'scheduled_change', b.bill_plan_id IS DISTINCT FROM b.plan_id)
               || CASE WHEN b.tax_line IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('tax', b.tax_line) END
               || CASE WHEN b.discount IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('discount', b.discount) END,
               1, p_now, p_now
          FROM billed b
        ON CONFLICT (subscription_id, period_start) WHERE kind <> 'plan_change' DO NOTHING
        RETURNING id, invoice_number, user_id, subscription_id, period_start, period_end, amount, line_items
    ), pay AS (
        INSERT INTO payments (invoice_id, attempt_number, reference_id, amount, status, claim_run_id, retry_number,
                              created_at, updated_at)
        SELECT inv.id, 1, inv.invoice_number || '-1', inv.amount, 'pending', p_run_id, 0, p_now, p_now FROM inv
         WHERE NOT billing_charge_waived(inv.amount, p_min_charge)
        RETURNING id, invoice_id
    ), logged AS (
        INSERT INTO billing_logs (event_type, subscription_id, user_id, status, details, error_message, created_at)
        SELECT 'renewal', inv.subscription_id, inv.user_id, 'pending',
               jsonb_build_object('invoice_id', inv.id, 'invoice_number', inv.invoice_number,
                                  'plan_name', inv.line_items->>'plan_name', 'price', inv.amount,
                                  'period_start', inv.period_start, 'period_end', inv.period_end, 'attempt_date', p_now),
               NULL, p_now
          FROM inv
    )
    SELECT CASE WHEN inv.id IS NOT NULL AND pay.id IS NULL THEN 'waived'
                WHEN inv.id IS NOT NULL THEN 'created'
                WHEN u.id = ANY (v_canceled) THEN 'canceled'
                WHEN u.id = ANY (v_due) THEN 'already_invoiced'
                WHEN u.id = ANY (v_locked) THEN 'not_due'
                ELSE 'busy' END,
           u.id, inv.id, pay.id, inv.amount
      FROM unnest(p_subscription_ids) AS u(id)
      LEFT JOIN inv ON inv.subscription_id = u.id
      LEFT JOIN pay ON pay.invoice_id = inv.id;

    -- The page's waived invoices (no attempt was made for them), settled through the one path.
    PERFORM billing_waive_charge(i.id, p_now)
       FROM invoices i
      WHERE i.subscription_id = ANY (v_due) AND i.kind = 'renewal' AND i.status = 'pending' AND i.created_at = p_now
        AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.invoice_id = i.id);
END $$;

-- Renewal of one subscription: a page of one that waits for the subscription's lock. The
-- answer of the per-subscription path (a page that failed as a whole is renewed one by one, so
-- one bad subscription never stops the others, contract §6.3).
CREATE OR REPLACE FUNCTION billing_renew_subscription(
    p_subscription_id uuid, p_period_start timestamptz, p_period_end timestamptz,
    p_run_id uuid, p_now timestamptz, p_tax jsonb DEFAULT '{}'::jsonb, p_min_charge bigint DEFAULT 0)
RETURNS TABLE (outcome text, invoice_id uuid, payment_id uuid, amount bigint)
LANGUAGE plpgsql AS $$
BEGIN
    RETURN QUERY
    SELECT r.outcome, r.invoice_id, r.payment_id, r.amount
      FROM billing_renew_page(ARRAY[p_subscription_id], ARRAY[p_period_start], ARRAY[p_period_end],
                              true, p_run_id, p_now, p_tax, p_min_charge) r;
END $$;
