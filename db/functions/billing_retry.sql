-- Dunning retries (contract §4.6, §4.8): which are due, scheduling one, starting one.
-- Each function lives in exactly one file of db/functions/; the migrator re-applies a file when
-- it changes (docs/architecture.md, "Where a change goes").

-- Retries whose date falls on or before the check date (UTC) and that are still pending.
CREATE OR REPLACE FUNCTION get_subscriptions_with_pending_retries(
    p_check_date date, p_after uuid DEFAULT NULL, p_limit integer DEFAULT NULL)
RETURNS TABLE (
    retry_id uuid, subscription_id uuid, user_id text, invoice_id uuid, attempt_number integer,
    retry_date timestamptz, plan_name text, price bigint)
LANGUAGE sql STABLE AS $$
    SELECT r.id, r.subscription_id, s.user_id, r.invoice_id, r.attempt_number, r.retry_date,
           p.name, i.amount
      FROM payment_retries r
      JOIN subscriptions s ON s.id = r.subscription_id
      JOIN subscription_plans p ON p.id = s.plan_id
      JOIN invoices i ON i.id = r.invoice_id
     WHERE r.status = 'pending'
       AND r.retry_date < ((p_check_date + 1)::timestamp AT TIME ZONE 'UTC')
       AND (p_after IS NULL OR r.id > p_after)
     ORDER BY r.id
     LIMIT p_limit
$$;

-- Schedules retry p_attempt_number for the subscription's open invoice (or p_invoice_id).
-- A second call for the same (invoice, attempt) returns the existing retry's id.
CREATE OR REPLACE FUNCTION schedule_payment_retry(
    p_subscription_id uuid, p_attempt_number integer, p_retry_date timestamptz,
    p_invoice_id uuid DEFAULT NULL, p_now timestamptz DEFAULT now())
RETURNS uuid
LANGUAGE plpgsql AS $$
DECLARE
    v_invoice uuid := p_invoice_id;
    v_id uuid;
BEGIN
    IF v_invoice IS NULL THEN
        SELECT id INTO v_invoice FROM invoices
         WHERE subscription_id = p_subscription_id AND status IN ('pending', 'failed')
         ORDER BY period_start DESC LIMIT 1;
        IF v_invoice IS NULL THEN
            RAISE EXCEPTION 'subscription % has no open invoice to retry', p_subscription_id
                USING ERRCODE = 'P0002';
        END IF;
    END IF;

    INSERT INTO payment_retries (subscription_id, invoice_id, attempt_number, retry_date, status,
                                 created_at, updated_at)
    VALUES (p_subscription_id, v_invoice, p_attempt_number, p_retry_date, 'pending', p_now, p_now)
    ON CONFLICT (invoice_id, attempt_number) DO NOTHING
    RETURNING id INTO v_id;

    IF v_id IS NULL THEN
        SELECT id INTO v_id FROM payment_retries
         WHERE invoice_id = v_invoice AND attempt_number = p_attempt_number;
    END IF;
    RETURN v_id;
END $$;

-- Starting a due retry (contract §4.8): a new payment attempt for the same invoice. The retry row's
-- lock and status, and the unique index of one attempt per dunning step, make a second attempt
-- for one retry impossible.
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

    -- The next attempt number of the invoice (pay-now attempts may have taken some); it serves
    -- dunning step r.attempt_number, of which payments_one_per_dunning_step allows one.
    v_payment := billing_add_attempt(inv.id, inv.invoice_number, inv.amount, r.attempt_number, false, p_run_id, p_now);

    UPDATE payment_retries SET status = 'in_progress', payment_id = v_payment, updated_at = p_now WHERE id = r.id;
    PERFORM log_billing_event('retry', s.id, s.user_id, 'pending',
            jsonb_build_object('retry_id', r.id, 'attempt_number', r.attempt_number, 'retry_date', r.retry_date,
                               'invoice_id', inv.id, 'amount', inv.amount),
            NULL, p_now);
    RETURN QUERY SELECT 'created'::text, v_payment, s.id, inv.id;
END $$;

-- A page of due retries in one transaction and one round trip (the renewal's page shape): each
-- retry started as billing_start_retry starts one, in subscription order, the order every writer
-- takes its locks in. One row per retry found: created (with its payment), closed, not_pending.
CREATE OR REPLACE FUNCTION billing_start_retries(p_retry_ids uuid[], p_run_id uuid, p_now timestamptz)
RETURNS TABLE (retry_id uuid, outcome text, payment_id uuid)
LANGUAGE plpgsql AS $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT pr.id FROM payment_retries pr WHERE pr.id = ANY (p_retry_ids) ORDER BY pr.subscription_id, pr.id LOOP
        RETURN QUERY SELECT r.id, s.outcome, s.payment_id FROM billing_start_retry(r.id, p_run_id, p_now) s;
    END LOOP;
END $$;
