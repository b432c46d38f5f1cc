-- Payment attempts on their way to iPaymu: what the gateway call needs, the link it returned
-- (and the customer's notification), a deferral when iPaymu could not be asked, and the claim
-- of attempts a crash or an outage left without a link (SPEC §4.7, §4.9).
-- Each function lives in exactly one file of db/functions/; the migrator re-applies a file when
-- it changes (docs/architecture.md, "Where a change goes").

DROP FUNCTION IF EXISTS billing_payment_work(uuid[]);

-- Everything the gateway call for one payment attempt needs. VOLATILE: called right after the
-- statement that inserted the payment, each of its queries takes a fresh snapshot to see it.
CREATE OR REPLACE FUNCTION billing_payment_work(p_payment_ids uuid[])
RETURNS TABLE (
    payment_id uuid, reference_id text, amount bigint, attempt_number integer, invoice_id uuid,
    invoice_number text, subscription_id uuid, user_id text, plan_name text, buyer_email text,
    buyer_name text, buyer_phone text, period_start timestamptz, period_end timestamptz,
    invoice_kind text, retry_number integer, customer_initiated boolean, public_token text)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    RETURN QUERY
    SELECT p.id, p.reference_id, p.amount, p.attempt_number, i.id, i.invoice_number, i.subscription_id,
           i.user_id, coalesce(i.line_items->>'plan_name', pl.name), u.email, u.full_name, u.phone,
           i.period_start, i.period_end, i.kind, p.retry_number, p.customer_initiated, i.public_token
      FROM payments p
      JOIN invoices i ON i.id = p.invoice_id
      JOIN subscriptions s ON s.id = i.subscription_id
      JOIN subscription_plans pl ON pl.id = s.plan_id
      LEFT JOIN users u ON u.id = i.user_id
     WHERE p.id = ANY (p_payment_ids);
END $$;

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
    v_retry := coalesce(w.retry_number, 0);
    -- A link the customer asked for (pay now) is handed to them directly: no "payment due" notice.
    IF NOT w.customer_initiated THEN
        INSERT INTO notifications (user_id, type, title, message, data, created_at)
        VALUES (w.user_id, 'billing_payment_due',
                CASE WHEN v_retry = 0 THEN 'Payment Due' ELSE 'Payment Retry Due' END,
                CASE WHEN w.invoice_kind = 'subscription_create'
                     THEN format('Your %s subscription is almost ready: please pay %s to start it.', w.plan_name, format_idr(w.amount))
                     WHEN w.invoice_kind = 'plan_change'
                     THEN format('Your upgrade to %s is ready: please pay %s to switch now.', w.plan_name, format_idr(w.amount))
                     WHEN v_retry = 0
                     THEN format('Your %s subscription renewal of %s is due. Please complete your payment to keep your subscription active.',
                                 w.plan_name, format_idr(w.amount))
                     ELSE format('Payment retry #%s for your %s subscription (%s) is ready. Please complete your payment to keep your subscription active.',
                                 v_retry, w.plan_name, format_idr(w.amount))
                END,
                jsonb_build_object('payment_url', p_url, 'invoice_id', w.invoice_id, 'invoice_number', w.invoice_number,
                                   'amount', w.amount, 'payment_attempt', w.attempt_number, 'expires_at', p_expires_at)
                || CASE WHEN v_retry > 0 THEN jsonb_build_object('attempt_number', v_retry) ELSE '{}'::jsonb END,
                p_now);
    END IF;
    PERFORM log_billing_event(CASE WHEN v_retry = 0 THEN 'renewal' ELSE 'retry' END, w.subscription_id, w.user_id, 'pending',
            jsonb_build_object('action', 'payment_created', 'invoice_id', w.invoice_id, 'payment_id', p_payment_id,
                               'payment_attempt', w.attempt_number, 'session_id', p_session_id, 'expires_at', p_expires_at,
                               'invoice_kind', w.invoice_kind, 'customer_initiated', w.customer_initiated),
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
           AND (coalesce(o.retry_number, 0) > 0) = p_retry_attempts
           AND (o.claim_run_id IS NULL
                OR (o.claim_run_id <> p_run_id
                    AND NOT EXISTS (SELECT 1 FROM job_runs r WHERE r.id = o.claim_run_id AND r.status = 'running')))
         ORDER BY o.created_at
         LIMIT p_limit
           FOR UPDATE OF o SKIP LOCKED)
    RETURNING p.id
$$;
