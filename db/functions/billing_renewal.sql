-- Renewal of one due subscription (SPEC §4.3, §4.4). Locks are always taken in the same order —
-- subscription, then invoice, then payment — in every billing function, so concurrent renewals,
-- callbacks and reconciliations cannot deadlock.
-- Each function lives in exactly one file of db/functions/; the migrator re-applies a file when
-- it changes (docs/architecture.md, "Where a change goes").

-- Renewal of one due subscription (SPEC §4.3, 4.4): the next period's invoice and payment
-- attempt 1, or cancellation at period end. The unique (subscription_id, period_start) makes a
-- second invoice impossible; a conflict means "already done".
CREATE OR REPLACE FUNCTION billing_renew_subscription(
    p_subscription_id uuid, p_period_start timestamptz, p_period_end timestamptz,
    p_run_id uuid, p_now timestamptz)
RETURNS TABLE (outcome text, invoice_id uuid, payment_id uuid, amount bigint)
LANGUAGE plpgsql AS $$
DECLARE
    s record;
    v_invoice uuid;
    v_payment uuid;
    v_number text;
BEGIN
    SELECT sub.id, sub.user_id, sub.plan_id, sub.status, sub.current_period_end, sub.cancel_at_period_end,
           pl.name AS plan_name, pl.price, pl.interaction_credits, pl.scraper_credits
      INTO s
      FROM subscriptions sub JOIN subscription_plans pl ON pl.id = sub.plan_id
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

    v_number := 'INV-' || to_char(p_now AT TIME ZONE 'UTC', 'YYYYMM') || '-'
                || lpad(nextval('invoice_number_seq')::text, 6, '0');
    INSERT INTO invoices (invoice_number, user_id, subscription_id, period_start, period_end, amount,
                          currency, status, line_items, attempt_count, created_at, updated_at)
    VALUES (v_number, s.user_id, s.id, p_period_start, p_period_end, s.price, 'IDR', 'pending',
            jsonb_build_object('type', 'subscription_renewal', 'plan_name', s.plan_name, 'period', 'monthly',
                               'period_start', p_period_start, 'period_end', p_period_end, 'price', s.price,
                               'plan_id', s.plan_id, 'interaction_credits', s.interaction_credits,
                               'scraper_credits', s.scraper_credits),
            1, p_now, p_now)
    ON CONFLICT (subscription_id, period_start) DO NOTHING
    RETURNING id INTO v_invoice;
    IF v_invoice IS NULL THEN
        RETURN QUERY SELECT 'already_invoiced'::text, NULL::uuid, NULL::uuid, NULL::bigint;
        RETURN;
    END IF;

    INSERT INTO payments (invoice_id, attempt_number, reference_id, amount, status, claim_run_id, created_at, updated_at)
    VALUES (v_invoice, 1, v_number || '-1', s.price, 'pending', p_run_id, p_now, p_now)
    RETURNING id INTO v_payment;

    PERFORM log_billing_event('renewal', s.id, s.user_id, 'pending',
            jsonb_build_object('invoice_id', v_invoice, 'invoice_number', v_number, 'plan_name', s.plan_name,
                               'price', s.price, 'period_start', p_period_start, 'period_end', p_period_end,
                               'attempt_date', p_now),
            NULL, p_now);
    RETURN QUERY SELECT 'created'::text, v_invoice, v_payment, s.price;
END $$;
