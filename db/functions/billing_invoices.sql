-- Invoices, whatever they are for (renewal, checkout, plan change): their number, their line
-- items, and closing the attempts of one that is withdrawn. Their total and tax line come from
-- the invoice composer (db/functions/invoice_composer.sql).
-- Each function lives in exactly one file of db/functions/; the migrator re-applies a file when
-- it changes (docs/architecture.md, "Where a change goes").

-- INV-YYYYMM-000042: readable, unique (the sequence), month of issue on the billing clock.
CREATE OR REPLACE FUNCTION billing_next_invoice_number(p_now timestamptz) RETURNS text
LANGUAGE sql VOLATILE AS $$
    SELECT 'INV-' || to_char(p_now AT TIME ZONE 'UTC', 'YYYYMM') || '-' || lpad(nextval('invoice_number_seq')::text, 6, '0')
$$;

-- Closes every open attempt of an invoice that is withdrawn or settled another way: no dunning,
-- no notification (an old link that expires later changes nothing either).
CREATE OR REPLACE FUNCTION billing_close_open_attempts(p_invoice_id uuid, p_reason text, p_now timestamptz)
RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    v_other record;
    v_closed integer := 0;
BEGIN
    -- Found by invoice_id alone (a handful of rows), status checked here (db/migrations/0008_point_lookups.sql).
    FOR v_other IN SELECT o.id, o.status FROM payments o WHERE o.invoice_id = p_invoice_id LOOP
        IF v_other.status = 'pending' THEN
            UPDATE payments SET status = 'expired', failure_reason = p_reason, updated_at = p_now WHERE id = v_other.id;
            v_closed := v_closed + 1;
        END IF;
    END LOOP;
    RETURN v_closed;
END $$;

-- A new payment attempt for an invoice: the next attempt number, reference INV-…-n.
CREATE OR REPLACE FUNCTION billing_add_attempt(
    p_invoice_id uuid, p_invoice_number text, p_amount bigint, p_retry_number integer,
    p_customer_initiated boolean, p_run_id uuid, p_now timestamptz)
RETURNS uuid
LANGUAGE plpgsql AS $$
DECLARE
    v_attempt integer;
    v_id uuid;
BEGIN
    SELECT coalesce(max(attempt_number), 0) + 1 INTO v_attempt FROM payments WHERE invoice_id = p_invoice_id;
    INSERT INTO payments (invoice_id, attempt_number, reference_id, amount, status, claim_run_id, retry_number,
                          customer_initiated, created_at, updated_at)
    VALUES (p_invoice_id, v_attempt, p_invoice_number || '-' || v_attempt, p_amount, 'pending', p_run_id, p_retry_number,
            p_customer_initiated, p_now, p_now)
    RETURNING id INTO v_id;
    UPDATE invoices SET attempt_count = GREATEST(attempt_count, v_attempt), updated_at = p_now WHERE id = p_invoice_id;
    RETURN v_id;
END $$;
