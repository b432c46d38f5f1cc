-- Renewal of one due subscription (SPEC §4.3, §4.4). Locks are always taken in the same order —
-- subscription, then invoice, then payment — in every billing function, so concurrent renewals,
-- callbacks and reconciliations cannot deadlock.
-- Each function lives in exactly one file of db/functions/; the migrator re-applies a file when
-- it changes (docs/architecture.md, "Where a change goes").

DROP FUNCTION IF EXISTS billing_renew_subscription(uuid, timestamptz, timestamptz, uuid, timestamptz);

-- Renewal of one due subscription (SPEC §4.3, 4.4, §7.5): the next period's invoice and payment
-- attempt 1, or cancellation at period end. The plan billed is the scheduled one when a downgrade
-- waits; an open upgrade invoice is withdrawn first (the renewal bills the current plan). The
-- unique (subscription_id, period_start) makes a second invoice impossible; a conflict means
-- "already done".
CREATE OR REPLACE FUNCTION billing_renew_subscription(
    p_subscription_id uuid, p_period_start timestamptz, p_period_end timestamptz,
    p_run_id uuid, p_now timestamptz, p_tax jsonb DEFAULT '{}'::jsonb)
RETURNS TABLE (outcome text, invoice_id uuid, payment_id uuid, amount bigint)
LANGUAGE plpgsql AS $$
DECLARE
    s record;
    pl record;
    v_invoice uuid;
    v_payment uuid;
    v_number text;
    v_total record;
    v_upgrade record;
BEGIN
    SELECT sub.id, sub.user_id, sub.plan_id, sub.scheduled_plan_id, sub.status, sub.current_period_end,
           sub.cancel_at_period_end, cur.name AS plan_name
      INTO s
      FROM subscriptions sub JOIN subscription_plans cur ON cur.id = sub.plan_id
     WHERE sub.id = p_subscription_id
       FOR UPDATE OF sub;
    IF NOT FOUND OR s.status <> 'active' OR s.current_period_end IS DISTINCT FROM p_period_start THEN
        RETURN QUERY SELECT 'not_due'::text, NULL::uuid, NULL::uuid, NULL::bigint;
        RETURN;
    END IF;

    IF s.cancel_at_period_end THEN
        PERFORM cancel_subscription(s.id, 'Canceled at period end', p_now);
        INSERT INTO notifications (user_id, type, title, message, data, created_at)
        VALUES (s.user_id, 'subscription_cancelled', 'Subscription Cancelled',
                format('Your %s subscription has ended at the end of its billing period. You can reactivate your subscription at any time.', s.plan_name),
                jsonb_build_object('subscription_id', s.id, 'reason', 'cancel_at_period_end', 'period_end', s.current_period_end),
                p_now);
        PERFORM log_billing_event('renewal', s.id, s.user_id, 'success',
                jsonb_build_object('action', 'canceled_at_period_end', 'period_end', s.current_period_end), NULL, p_now);
        RETURN QUERY SELECT 'canceled'::text, NULL::uuid, NULL::uuid, NULL::bigint;
        RETURN;
    END IF;

    -- An upgrade still unpaid at renewal is withdrawn: the renewal bills the plan in force (SPEC §7.5).
    FOR v_upgrade IN SELECT i.id, i.status FROM invoices i WHERE i.subscription_id = s.id AND i.kind = 'plan_change' LOOP
        IF v_upgrade.status = 'pending' THEN
            UPDATE invoices SET status = 'cancelled', updated_at = p_now WHERE id = v_upgrade.id;
            PERFORM billing_close_open_attempts(v_upgrade.id, 'upgrade withdrawn at renewal', p_now);
            PERFORM log_billing_event('plan_change', s.id, s.user_id, 'success',
                    jsonb_build_object('action', 'upgrade_cancelled_at_renewal', 'invoice_id', v_upgrade.id), NULL, p_now);
        END IF;
    END LOOP;

    -- A downgrade waiting for this renewal: the new period is invoiced at the scheduled plan.
    SELECT p.id, p.name, p.price, p.interaction_credits, p.scraper_credits INTO pl
      FROM subscription_plans p WHERE p.id = coalesce(s.scheduled_plan_id, s.plan_id);
    SELECT * INTO v_total FROM billing_invoice_total(pl.price, p_tax);

    v_number := billing_next_invoice_number(p_now);
    INSERT INTO invoices (invoice_number, user_id, subscription_id, period_start, period_end, amount,
                          currency, status, kind, line_items, attempt_count, created_at, updated_at)
    VALUES (v_number, s.user_id, s.id, p_period_start, p_period_end, v_total.amount, 'IDR', 'pending', 'renewal',
            jsonb_build_object('type', 'subscription_renewal', 'plan_name', pl.name, 'period', 'monthly',
                               'period_start', p_period_start, 'period_end', p_period_end, 'price', pl.price,
                               'plan_id', pl.id, 'interaction_credits', pl.interaction_credits,
                               'scraper_credits', pl.scraper_credits,
                               'scheduled_change', pl.id IS DISTINCT FROM s.plan_id)
            || CASE WHEN v_total.tax_line IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('tax', v_total.tax_line) END,
            1, p_now, p_now)
    ON CONFLICT (subscription_id, period_start) WHERE kind <> 'plan_change' DO NOTHING
    RETURNING id INTO v_invoice;
    IF v_invoice IS NULL THEN
        RETURN QUERY SELECT 'already_invoiced'::text, NULL::uuid, NULL::uuid, NULL::bigint;
        RETURN;
    END IF;

    INSERT INTO payments (invoice_id, attempt_number, reference_id, amount, status, claim_run_id, retry_number,
                          created_at, updated_at)
    VALUES (v_invoice, 1, v_number || '-1', v_total.amount, 'pending', p_run_id, 0, p_now, p_now)
    RETURNING id INTO v_payment;

    PERFORM log_billing_event('renewal', s.id, s.user_id, 'pending',
            jsonb_build_object('invoice_id', v_invoice, 'invoice_number', v_number, 'plan_name', pl.name,
                               'price', v_total.amount, 'period_start', p_period_start, 'period_end', p_period_end,
                               'attempt_date', p_now),
            NULL, p_now);
    RETURN QUERY SELECT 'created'::text, v_invoice, v_payment, v_total.amount;
END $$;
