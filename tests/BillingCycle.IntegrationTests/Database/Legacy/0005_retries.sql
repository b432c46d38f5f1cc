-- Starting a due retry (SPEC §4.8): a new payment attempt for the same invoice. The unique
-- (invoice_id, attempt_number) makes a second attempt for one retry impossible.
CREATE OR REPLACE FUNCTION billing_start_retry(p_retry_id uuid, p_run_id uuid, p_now timestamptz)
RETURNS TABLE (outcome text, payment_id uuid, subscription_id uuid, invoice_id uuid)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    v_subscription_id uuid;
    v_invoice_id uuid;
    s record;
    inv record;
    r record;
    v_payment uuid;
BEGIN
    SELECT pr.subscription_id, pr.invoice_id INTO v_subscription_id, v_invoice_id
      FROM payment_retries pr WHERE pr.id = p_retry_id;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'not_pending'::text, NULL::uuid, NULL::uuid, NULL::uuid;
        RETURN;
    END IF;
    SELECT * INTO s FROM subscriptions WHERE id = v_subscription_id FOR UPDATE;
    SELECT * INTO inv FROM invoices WHERE id = v_invoice_id FOR UPDATE;
    SELECT * INTO r FROM payment_retries WHERE id = p_retry_id FOR UPDATE;

    IF r.status <> 'pending' THEN
        RETURN QUERY SELECT 'not_pending'::text, NULL::uuid, s.id, inv.id;
        RETURN;
    END IF;
    IF s.status = 'canceled' OR inv.status IN ('paid', 'cancelled') THEN
        UPDATE payment_retries SET status = 'cancelled', updated_at = p_now WHERE id = r.id;
        RETURN QUERY SELECT 'closed'::text, NULL::uuid, s.id, inv.id;
        RETURN;
    END IF;

    INSERT INTO payments (invoice_id, attempt_number, reference_id, amount, status, claim_run_id, created_at, updated_at)
    VALUES (inv.id, r.attempt_number + 1, inv.invoice_number || '-' || (r.attempt_number + 1), inv.amount,
            'pending', p_run_id, p_now, p_now)
    ON CONFLICT (invoice_id, attempt_number) DO NOTHING
    RETURNING id INTO v_payment;
    IF v_payment IS NULL THEN
        SELECT id INTO v_payment FROM payments WHERE invoice_id = inv.id AND attempt_number = r.attempt_number + 1;
    END IF;

    UPDATE payment_retries SET status = 'in_progress', payment_id = v_payment, updated_at = p_now WHERE id = r.id;
    UPDATE invoices SET attempt_count = GREATEST(attempt_count, r.attempt_number + 1), updated_at = p_now WHERE id = inv.id;
    PERFORM log_billing_event('retry', s.id, s.user_id, 'pending',
            jsonb_build_object('retry_id', r.id, 'attempt_number', r.attempt_number, 'retry_date', r.retry_date,
                               'invoice_id', inv.id, 'amount', inv.amount),
            NULL, p_now);
    RETURN QUERY SELECT 'created'::text, v_payment, s.id, inv.id;
END $$;

-- Open attempts to settle with iPaymu (SPEC §4.9): every pending attempt that iPaymu knows
-- (it has a session). Paged by (created_at, id); the caller decides which need a gateway call.
CREATE OR REPLACE FUNCTION billing_open_attempts(
    p_after_created timestamptz, p_after_id uuid, p_limit integer)
RETURNS TABLE (id uuid, invoice_id uuid, subscription_id uuid, user_id text, reference_id text, session_id text,
               transaction_id text, status text, amount bigint, created_at timestamptz, expires_at timestamptz)
LANGUAGE sql STABLE AS $$
    SELECT p.id, p.invoice_id, i.subscription_id, i.user_id, p.reference_id, p.session_id, p.transaction_id,
           p.status, p.amount, p.created_at, p.expires_at
      FROM payments p JOIN invoices i ON i.id = p.invoice_id
     WHERE p.status = 'pending' AND p.session_id IS NOT NULL
       AND (p_after_created IS NULL OR (p.created_at, p.id) > (p_after_created, p_after_id))
     ORDER BY p.created_at, p.id
     LIMIT p_limit
$$;
