-- The billing engine's state changes (SPEC §4), each one function = one transaction = one round
-- trip. Locks are always taken in the same order — subscription, then invoice, then payment —
-- so concurrent renewals, callbacks and reconciliations cannot deadlock, and every function
-- re-reads the state under its locks before it changes anything.

CREATE OR REPLACE FUNCTION days_text(p_days integer) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT p_days || CASE WHEN p_days = 1 THEN ' day' ELSE ' days' END
$$;

-- Everything the gateway call for one payment attempt needs.
CREATE OR REPLACE FUNCTION billing_payment_work(p_payment_ids uuid[])
RETURNS TABLE (
    payment_id uuid, reference_id text, amount bigint, attempt_number integer, invoice_id uuid,
    invoice_number text, subscription_id uuid, user_id text, plan_name text, buyer_email text,
    buyer_name text, buyer_phone text, period_start timestamptz, period_end timestamptz)
-- VOLATILE on purpose: called in the same statement as the function that inserted the payment
-- (LEFT JOIN LATERAL), it must take a fresh snapshot to see that row.
LANGUAGE sql VOLATILE AS $$
    SELECT p.id, p.reference_id, p.amount, p.attempt_number, i.id, i.invoice_number, i.subscription_id,
           i.user_id, coalesce(i.line_items->>'plan_name', pl.name), u.email, u.full_name, u.phone,
           i.period_start, i.period_end
      FROM payments p
      JOIN invoices i ON i.id = p.invoice_id
      JOIN subscriptions s ON s.id = i.subscription_id
      JOIN subscription_plans pl ON pl.id = s.plan_id
      LEFT JOIN users u ON u.id = i.user_id
     WHERE p.id = ANY (p_payment_ids)
$$;

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

-- iPaymu created the payment: store its session and link, and tell the customer.
CREATE OR REPLACE FUNCTION billing_attach_session(
    p_payment_id uuid, p_session_id text, p_url text, p_expires_at timestamptz,
    p_response jsonb, p_now timestamptz)
RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    w record;
    v_retry integer;
BEGIN
    UPDATE payments
       SET session_id = p_session_id, payment_url = p_url, expires_at = p_expires_at,
           gateway_response = p_response, updated_at = p_now
     WHERE id = p_payment_id AND status = 'pending' AND session_id IS NULL;
    IF NOT FOUND THEN
        RETURN 'stale';
    END IF;

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
LANGUAGE sql AS $$
    UPDATE payments
       SET gateway_response = jsonb_build_object('deferred', p_reason, 'at', p_now), updated_at = p_now
     WHERE id = p_payment_id AND status = 'pending' AND session_id IS NULL
$$;

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
    UPDATE payments o SET status = 'expired', failure_reason = 'superseded by a paid attempt', updated_at = p_now
     WHERE o.invoice_id = inv.id AND o.status = 'pending' AND o.id <> pay.id;

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

-- An attempt failed, expired or was refused (SPEC §4.6): dunning moves one step, once.
CREATE OR REPLACE FUNCTION billing_fail_payment(
    p_payment_id uuid, p_status text, p_reason text, p_dunning_days integer[],
    p_response jsonb, p_now timestamptz)
RETURNS TABLE (outcome text, next_retry integer, next_retry_date timestamptz)
LANGUAGE plpgsql AS $$
DECLARE
    v_invoice_id uuid;
    v_subscription_id uuid;
    s record;
    inv record;
    pay record;
    v_plan text;
    v_retry integer;
    v_days integer;
    v_date timestamptz;
BEGIN
    IF p_status NOT IN ('failed', 'expired') THEN
        RAISE EXCEPTION 'failure status must be failed or expired' USING ERRCODE = '22023';
    END IF;
    SELECT p.invoice_id, i.subscription_id INTO v_invoice_id, v_subscription_id
      FROM payments p JOIN invoices i ON i.id = p.invoice_id WHERE p.id = p_payment_id;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'unknown_payment'::text, NULL::integer, NULL::timestamptz;
        RETURN;
    END IF;
    SELECT * INTO s FROM subscriptions WHERE id = v_subscription_id FOR UPDATE;
    SELECT * INTO inv FROM invoices WHERE id = v_invoice_id FOR UPDATE;
    SELECT * INTO pay FROM payments WHERE id = p_payment_id FOR UPDATE;
    v_plan := coalesce(inv.line_items->>'plan_name', (SELECT name FROM subscription_plans WHERE id = s.plan_id));

    IF pay.status <> 'pending' THEN
        RETURN QUERY SELECT 'duplicate'::text, NULL::integer, NULL::timestamptz;
        RETURN;
    END IF;

    UPDATE payments
       SET status = p_status, failure_reason = p_reason,
           gateway_response = coalesce(p_response, gateway_response), updated_at = p_now
     WHERE id = pay.id;

    IF inv.status IN ('paid', 'cancelled') OR s.status = 'canceled' THEN
        RETURN QUERY SELECT 'closed'::text, NULL::integer, NULL::timestamptz;
        RETURN;
    END IF;
    -- A newer attempt is already open for this invoice: an old link expiring changes nothing.
    IF EXISTS (SELECT 1 FROM payments o WHERE o.invoice_id = inv.id AND o.attempt_number > pay.attempt_number) THEN
        RETURN QUERY SELECT 'superseded'::text, NULL::integer, NULL::timestamptz;
        RETURN;
    END IF;

    v_retry := pay.attempt_number - 1;
    UPDATE invoices SET status = 'failed', updated_at = p_now WHERE id = inv.id;
    IF v_retry = 0 THEN
        UPDATE subscriptions SET status = 'past_due', updated_at = p_now WHERE id = s.id;
        v_days := p_dunning_days[1];
        v_date := p_now + make_interval(days => v_days);
        PERFORM schedule_payment_retry(s.id, 1, v_date, inv.id, p_now);
        INSERT INTO notifications (user_id, type, title, message, data, created_at)
        VALUES (s.user_id, 'billing_failed', 'Payment Failed',
                format('We were unable to process your subscription renewal payment of %s. We will retry the payment in %s. Please ensure your payment method is up to date.',
                       format_idr(inv.amount), days_text(v_days)),
                jsonb_build_object('invoice_id', inv.id, 'amount', inv.amount, 'next_retry', v_date, 'reason', p_reason),
                p_now);
        PERFORM log_billing_event('renewal', s.id, s.user_id, 'failed',
                jsonb_build_object('invoice_id', inv.id, 'payment_id', pay.id, 'reason', p_reason, 'next_retry', v_date),
                NULL, p_now);
        RETURN QUERY SELECT 'retry_scheduled'::text, 1, v_date;
        RETURN;
    END IF;

    UPDATE payment_retries r SET status = 'failed', updated_at = p_now
     WHERE r.invoice_id = inv.id AND r.attempt_number = v_retry AND r.status IN ('pending', 'in_progress');

    IF v_retry < 5 THEN
        v_days := p_dunning_days[v_retry + 1];
        v_date := p_now + make_interval(days => v_days);
        PERFORM schedule_payment_retry(s.id, v_retry + 1, v_date, inv.id, p_now);
        INSERT INTO notifications (user_id, type, title, message, data, created_at)
        VALUES (s.user_id, 'billing_failed', 'Payment Retry Failed',
                format('Your payment retry #%s has failed. We will attempt another payment in %s day(s). Please ensure your payment method is up to date.',
                       v_retry, v_days),
                jsonb_build_object('invoice_id', inv.id, 'attempt_number', v_retry, 'next_retry', v_date, 'reason', p_reason),
                p_now);
        PERFORM log_billing_event('retry', s.id, s.user_id, 'failed',
                jsonb_build_object('attempt_number', v_retry, 'invoice_id', inv.id, 'payment_id', pay.id,
                                   'reason', p_reason, 'next_retry', v_date),
                NULL, p_now);
        RETURN QUERY SELECT 'retry_scheduled'::text, v_retry + 1, v_date;
        RETURN;
    END IF;

    PERFORM cancel_subscription(s.id, 'Payment failed after 5 retry attempts', p_now);
    INSERT INTO notifications (user_id, type, title, message, data, created_at)
    VALUES (s.user_id, 'subscription_cancelled', 'Subscription Cancelled',
            format('Your %s subscription has been cancelled after 5 failed payment attempts. You can reactivate your subscription at any time by updating your payment method.', v_plan),
            jsonb_build_object('subscription_id', s.id, 'invoice_id', inv.id, 'reason', 'Payment failed after 5 retry attempts'),
            p_now);
    PERFORM log_billing_event('retry', s.id, s.user_id, 'failed',
            jsonb_build_object('attempt_number', v_retry, 'invoice_id', inv.id, 'payment_id', pay.id,
                               'reason', p_reason, 'action', 'subscription_cancelled'),
            NULL, p_now);
    RETURN QUERY SELECT 'canceled'::text, NULL::integer, NULL::timestamptz;
END $$;

-- A pending callback or a history lookup taught us the attempt's transaction id.
CREATE OR REPLACE FUNCTION billing_learn_transaction(p_payment_id uuid, p_transaction_id text, p_now timestamptz)
RETURNS boolean
LANGUAGE sql AS $$
    WITH u AS (
        UPDATE payments SET transaction_id = p_transaction_id, updated_at = p_now
         WHERE id = p_payment_id AND transaction_id IS NULL
           AND NOT EXISTS (SELECT 1 FROM payments o WHERE o.transaction_id = p_transaction_id)
        RETURNING 1)
    SELECT EXISTS (SELECT 1 FROM u)
$$;

-- Attempts that still need their iPaymu payment (a crash or an outage left them without a
-- session) and whose responsible run has ended are claimed by this run.
CREATE OR REPLACE FUNCTION billing_claim_orphans(p_run_id uuid, p_limit integer, p_retry_attempts boolean)
RETURNS SETOF uuid
LANGUAGE sql AS $$
    UPDATE payments p SET claim_run_id = p_run_id
     WHERE p.id IN (
        SELECT o.id FROM payments o
          JOIN invoices i ON i.id = o.invoice_id
         WHERE o.status = 'pending' AND o.session_id IS NULL
           AND i.status IN ('pending', 'failed')
           AND (o.attempt_number > 1) = p_retry_attempts
           AND (o.claim_run_id IS NULL
                OR (o.claim_run_id <> p_run_id
                    AND NOT EXISTS (SELECT 1 FROM job_runs r WHERE r.id = o.claim_run_id AND r.status = 'running')))
         ORDER BY o.created_at
         LIMIT p_limit
           FOR UPDATE OF o SKIP LOCKED)
    RETURNING p.id
$$;
