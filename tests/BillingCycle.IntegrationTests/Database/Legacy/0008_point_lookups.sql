-- Point lookups that stay point lookups on the 1st of the month (docs/performance.md).
--
-- A statement such as `UPDATE payments ... WHERE id = $1 AND status = 'pending'` matches two
-- indexes: the primary key and the partial index payments_open_idx (WHERE status = 'pending').
-- When the statistics were taken with few open payments (any normal day), a cached generic plan
-- may prefer the partial index, and on a renewal day it holds every open attempt: each such
-- statement then walks all of them. The bench measured 2.6 ms for one attach and 3.8 ms for one
-- "supersede" update at 10,000 open attempts, growing with the day's size. Here every single-row
-- or per-invoice change finds its rows by key alone and checks the status in PL/pgSQL.

-- cancel_subscription closes retries by subscription_id, which had no index.
CREATE INDEX IF NOT EXISTS payment_retries_subscription_idx ON payment_retries (subscription_id);

CREATE OR REPLACE FUNCTION billing_attach_session(
    p_payment_id uuid, p_session_id text, p_url text, p_expires_at timestamptz,
    p_response jsonb, p_now timestamptz)
RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    w record;
    v_retry integer;
    v_status text;
    v_session text;
BEGIN
    SELECT status, session_id INTO v_status, v_session FROM payments WHERE id = p_payment_id FOR UPDATE;
    IF NOT FOUND OR v_status <> 'pending' OR v_session IS NOT NULL THEN
        RETURN 'stale';
    END IF;
    UPDATE payments
       SET session_id = p_session_id, payment_url = p_url, expires_at = p_expires_at,
           gateway_response = p_response, updated_at = p_now
     WHERE id = p_payment_id;

    SELECT * INTO w FROM billing_payment_work(ARRAY[p_payment_id]);
    v_retry := w.attempt_number - 1;
    INSERT INTO notifications (user_id, type, title, message, data, created_at)
    VALUES (w.user_id, 'billing_payment_due',
            CASE WHEN v_retry = 0 THEN 'Payment Due' ELSE 'Payment Retry Due' END,
            CASE WHEN v_retry = 0
                 THEN format('Your %s subscription renewal of %s is due. Please complete your payment to keep your subscription active.',
                             w.plan_name, format_idr(w.amount))
                 ELSE format('Payment retry #%s for your %s subscription (%s) is ready. Please complete your payment to keep your subscription active.',
                             v_retry, w.plan_name, format_idr(w.amount))
            END,
            jsonb_build_object('payment_url', p_url, 'invoice_id', w.invoice_id, 'invoice_number', w.invoice_number,
                               'amount', w.amount, 'payment_attempt', w.attempt_number, 'expires_at', p_expires_at)
            || CASE WHEN v_retry > 0 THEN jsonb_build_object('attempt_number', v_retry) ELSE '{}'::jsonb END,
            p_now);
    PERFORM log_billing_event(CASE WHEN v_retry = 0 THEN 'renewal' ELSE 'retry' END, w.subscription_id, w.user_id, 'pending',
            jsonb_build_object('action', 'payment_created', 'invoice_id', w.invoice_id, 'payment_id', p_payment_id,
                               'payment_attempt', w.attempt_number, 'session_id', p_session_id, 'expires_at', p_expires_at),
            NULL, p_now);
    RETURN 'attached';
END $$;

-- iPaymu could not be asked (SPEC §4.7): the attempt stays pending without a session, for the next run.
CREATE OR REPLACE FUNCTION billing_defer_payment(p_payment_id uuid, p_reason text, p_now timestamptz)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    v_status text;
    v_session text;
BEGIN
    SELECT status, session_id INTO v_status, v_session FROM payments WHERE id = p_payment_id FOR UPDATE;
    IF FOUND AND v_status = 'pending' AND v_session IS NULL THEN
        UPDATE payments
           SET gateway_response = jsonb_build_object('deferred', p_reason, 'at', p_now), updated_at = p_now
         WHERE id = p_payment_id;
    END IF;
END $$;

-- A payment confirmed paid by check-transaction (SPEC §4.5, §4.10): at most once per invoice.
CREATE OR REPLACE FUNCTION billing_mark_paid(
    p_payment_id uuid, p_transaction_id text, p_amount bigint, p_fee bigint, p_paid_at timestamptz,
    p_response jsonb, p_now timestamptz)
RETURNS TABLE (outcome text, invoice_id uuid, subscription_id uuid, user_id text,
               interaction_credits bigint, scraper_credits bigint)
LANGUAGE plpgsql AS $$
DECLARE
    v_invoice_id uuid;
    v_subscription_id uuid;
    s record;
    inv record;
    pay record;
    v_plan text;
    v_interaction bigint;
    v_scraper bigint;
    v_retry integer;
    v_paid_at timestamptz := coalesce(p_paid_at, p_now);
    v_other record;
BEGIN
    SELECT p.invoice_id, i.subscription_id INTO v_invoice_id, v_subscription_id
      FROM payments p JOIN invoices i ON i.id = p.invoice_id WHERE p.id = p_payment_id;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'unknown_payment'::text, NULL::uuid, NULL::uuid, NULL::text, NULL::bigint, NULL::bigint;
        RETURN;
    END IF;
    SELECT * INTO s FROM subscriptions WHERE id = v_subscription_id FOR UPDATE;
    SELECT * INTO inv FROM invoices WHERE id = v_invoice_id FOR UPDATE;
    SELECT * INTO pay FROM payments WHERE id = p_payment_id FOR UPDATE;
    v_plan := coalesce(inv.line_items->>'plan_name', (SELECT name FROM subscription_plans WHERE id = s.plan_id));

    IF pay.status = 'paid' THEN
        RETURN QUERY SELECT 'duplicate'::text, inv.id, s.id, s.user_id, 0::bigint, 0::bigint;
        RETURN;
    END IF;

    IF p_amount IS DISTINCT FROM pay.amount THEN
        PERFORM log_billing_event('payment_oddity', s.id, s.user_id, 'error',
                jsonb_build_object('kind', 'amount_mismatch', 'payment_id', pay.id, 'invoice_id', inv.id,
                                   'expected', pay.amount, 'reported', p_amount, 'transaction_id', p_transaction_id),
                'Paid amount does not match the invoice', p_now);
        RETURN QUERY SELECT 'amount_mismatch'::text, inv.id, s.id, s.user_id, 0::bigint, 0::bigint;
        RETURN;
    END IF;

    IF p_transaction_id IS NOT NULL AND EXISTS (
        SELECT 1 FROM payments o WHERE o.transaction_id = p_transaction_id AND o.id <> pay.id) THEN
        PERFORM log_billing_event('payment_oddity', s.id, s.user_id, 'error',
                jsonb_build_object('kind', 'transaction_conflict', 'payment_id', pay.id, 'transaction_id', p_transaction_id),
                'Transaction id already belongs to another payment attempt', p_now);
        RETURN QUERY SELECT 'transaction_conflict'::text, inv.id, s.id, s.user_id, 0::bigint, 0::bigint;
        RETURN;
    END IF;

    IF inv.status IN ('paid', 'cancelled') THEN
        -- Money arrived for an invoice that no longer wants it: keep it, flag it, grant nothing,
        -- reactivate nothing. A person refunds it (iPaymu has no refund API).
        UPDATE payments
           SET status = 'paid', paid_at = v_paid_at, transaction_id = coalesce(transaction_id, p_transaction_id),
               fee = coalesce(p_fee, fee), gateway_response = coalesce(p_response, gateway_response),
               oddity = 'invoice_already_' || inv.status, updated_at = p_now
         WHERE id = pay.id;
        PERFORM log_billing_event('payment_oddity', s.id, s.user_id, 'error',
                jsonb_build_object('kind', 'paid_' || inv.status || '_invoice', 'payment_id', pay.id, 'invoice_id', inv.id,
                                   'amount', p_amount, 'transaction_id', p_transaction_id),
                format('Payment received for invoice %s, which is already %s; nothing granted, refund by hand',
                       inv.invoice_number, inv.status),
                p_now);
        RETURN QUERY SELECT ('invoice_already_' || inv.status)::text, inv.id, s.id, s.user_id, 0::bigint, 0::bigint;
        RETURN;
    END IF;

    UPDATE payments
       SET status = 'paid', paid_at = v_paid_at, transaction_id = coalesce(transaction_id, p_transaction_id),
           fee = coalesce(p_fee, fee), gateway_response = coalesce(p_response, gateway_response),
           failure_reason = NULL, updated_at = p_now
     WHERE id = pay.id;
    UPDATE invoices SET status = 'paid', paid_at = v_paid_at, updated_at = p_now WHERE id = inv.id;
    -- The period advances to the invoice's period; a late payment never moves the anchor.
    UPDATE subscriptions
       SET status = 'active',
           current_period_start = CASE WHEN inv.period_end > current_period_end THEN inv.period_start ELSE current_period_start END,
           current_period_end = GREATEST(current_period_end, inv.period_end),
           updated_at = p_now
     WHERE id = s.id;

    v_interaction := coalesce((inv.line_items->>'interaction_credits')::bigint,
                              (SELECT pl.interaction_credits FROM subscription_plans pl WHERE pl.id = s.plan_id));
    v_scraper := coalesce((inv.line_items->>'scraper_credits')::bigint,
                          (SELECT pl.scraper_credits FROM subscription_plans pl WHERE pl.id = s.plan_id));
    v_retry := pay.attempt_number - 1;
    PERFORM reset_interaction_credits(s.user_id, v_interaction, inv.id::text,
            CASE WHEN v_retry = 0 THEN format('Monthly renewal - %s interaction credits', v_interaction)
                 ELSE format('Monthly renewal (retry #%s) - %s interaction credits', v_retry, v_interaction) END,
            p_now);
    PERFORM add_scraper_credits(s.user_id, v_scraper, inv.id::text,
            CASE WHEN v_retry = 0 THEN format('Monthly renewal - %s scraper credits', v_scraper)
                 ELSE format('Monthly renewal (retry #%s) - %s scraper credits', v_retry, v_scraper) END,
            p_now);

    UPDATE payment_retries r
       SET status = CASE WHEN r.attempt_number = v_retry THEN 'processed' ELSE 'cancelled' END,
           payment_response = CASE WHEN r.attempt_number = v_retry THEN p_response ELSE r.payment_response END,
           updated_at = p_now
     WHERE r.invoice_id = inv.id AND r.status IN ('pending', 'in_progress');
    -- The invoice's other open attempts: found by invoice_id alone (at most six rows), their
    -- status checked here, so no plan can walk the partial index of every pending payment.
    FOR v_other IN SELECT o.id, o.status FROM payments o WHERE o.invoice_id = inv.id LOOP
        IF v_other.status = 'pending' AND v_other.id <> pay.id THEN
            UPDATE payments SET status = 'expired', failure_reason = 'superseded by a paid attempt', updated_at = p_now
             WHERE id = v_other.id;
        END IF;
    END LOOP;

    IF v_retry = 0 THEN
        INSERT INTO notifications (user_id, type, title, message, data, created_at)
        VALUES (s.user_id, 'billing_success', 'Subscription Renewed Successfully',
                format('Your %s subscription has been renewed for another month. %s has been charged to your payment method.',
                       v_plan, format_idr(inv.amount)),
                jsonb_build_object('invoice_id', inv.id, 'invoice_number', inv.invoice_number, 'amount', inv.amount,
                                   'period_start', inv.period_start, 'period_end', inv.period_end),
                p_now);
    ELSE
        INSERT INTO notifications (user_id, type, title, message, data, created_at)
        VALUES (s.user_id, 'billing_success', 'Payment Successful After Retry',
                format('Your %s subscription payment has been successfully processed on retry #%s. Your subscription is now active.',
                       v_plan, v_retry),
                jsonb_build_object('invoice_id', inv.id, 'invoice_number', inv.invoice_number, 'amount', inv.amount,
                                   'attempt_number', v_retry, 'period_start', inv.period_start, 'period_end', inv.period_end),
                p_now);
    END IF;
    PERFORM log_billing_event(CASE WHEN v_retry = 0 THEN 'renewal' ELSE 'retry' END, s.id, s.user_id, 'success',
            jsonb_build_object('invoice_id', inv.id, 'transaction_id', p_transaction_id, 'amount', inv.amount,
                               'attempt_number', v_retry, 'next_period_end', inv.period_end),
            NULL, p_now);
    RETURN QUERY SELECT 'applied'::text, inv.id, s.id, s.user_id, v_interaction, v_scraper;
END $$;

-- Cancels a subscription: status, reason and time; its open invoices become cancelled and its
-- pending retries are closed. Canceling a canceled subscription changes nothing. Invoices are
-- found by subscription_id alone (see the top of this file about partial indexes).
CREATE OR REPLACE FUNCTION cancel_subscription(
    p_subscription_id uuid, p_reason text, p_now timestamptz DEFAULT now())
RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    v_invoice record;
BEGIN
    UPDATE subscriptions
       SET status = 'canceled', canceled_at = p_now, cancel_reason = p_reason, updated_at = p_now
     WHERE id = p_subscription_id AND status <> 'canceled';
    IF NOT FOUND THEN
        RETURN false;
    END IF;

    FOR v_invoice IN SELECT i.id, i.status FROM invoices i WHERE i.subscription_id = p_subscription_id LOOP
        IF v_invoice.status IN ('pending', 'failed') THEN
            UPDATE invoices SET status = 'cancelled', updated_at = p_now WHERE id = v_invoice.id;
        END IF;
    END LOOP;
    UPDATE payment_retries SET status = 'cancelled', updated_at = p_now
     WHERE subscription_id = p_subscription_id AND status IN ('pending', 'in_progress');
    RETURN true;
END $$;
