-- A payment received outside iPaymu (contract §13.1): a bank transfer, cash, anything an operator
-- saw arrive. It is settled by billing_mark_paid (db/functions/settlement_paid.sql), the same
-- function a payment iPaymu confirmed runs, so credits, closed attempts and retries, events,
-- notifications and emails come exactly as for any other payment; nothing here says what "paid"
-- means.
-- Each function lives in exactly one file of db/functions/; the migrator re-applies a file when
-- it changes (docs/architecture.md, "Where a change goes").

-- Records and settles the payment in one transaction with the operator_action log row. Outcomes:
-- applied, not_found, invoice_not_open, amount_mismatch, paid_at_in_future, paid_at_before_invoice.
-- Locks subscription → invoice, as every settlement does, so two operators recording the same
-- transfer queue and the second finds the invoice paid.
CREATE OR REPLACE FUNCTION billing_record_manual_payment(
    p_invoice_id uuid, p_method text, p_reference text, p_amount bigint, p_paid_at timestamptz,
    p_note text, p_operator text, p_now timestamptz)
RETURNS TABLE (outcome text, payment_id uuid, interaction_credits bigint, scraper_credits bigint)
LANGUAGE plpgsql AS $$
DECLARE
    v_subscription_id uuid;
    s record;
    inv record;
    v_attempt integer;
    v_payment_id uuid;
    v_details jsonb;
    v_paid_at timestamptz := coalesce(p_paid_at, p_now);
    r record;
BEGIN
    SELECT i.subscription_id INTO v_subscription_id FROM invoices i WHERE i.id = p_invoice_id;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'not_found'::text, NULL::uuid, NULL::bigint, NULL::bigint;
        RETURN;
    END IF;
    SELECT * INTO s FROM subscriptions WHERE id = v_subscription_id FOR UPDATE;
    SELECT * INTO inv FROM invoices WHERE id = p_invoice_id FOR UPDATE;

    -- Open as pay-now defines it (contract §7.6): pending, or failed while the subscription is past due.
    IF NOT (inv.status = 'pending' OR (inv.status = 'failed' AND s.status = 'past_due')) THEN
        RETURN QUERY SELECT 'invoice_not_open'::text, NULL::uuid, NULL::bigint, NULL::bigint;
        RETURN;
    END IF;
    IF p_amount IS DISTINCT FROM inv.amount THEN
        RETURN QUERY SELECT 'amount_mismatch'::text, NULL::uuid, NULL::bigint, NULL::bigint;
        RETURN;
    END IF;
    IF v_paid_at > p_now THEN
        RETURN QUERY SELECT 'paid_at_in_future'::text, NULL::uuid, NULL::bigint, NULL::bigint;
        RETURN;
    END IF;
    IF v_paid_at < inv.created_at THEN
        RETURN QUERY SELECT 'paid_at_before_invoice'::text, NULL::uuid, NULL::bigint, NULL::bigint;
        RETURN;
    END IF;

    v_details := jsonb_build_object('method', p_method, 'reference', p_reference, 'note', p_note, 'recorded_by', p_operator);
    SELECT coalesce(max(p.attempt_number), 0) + 1 INTO v_attempt FROM payments p WHERE p.invoice_id = inv.id;
    INSERT INTO payments (invoice_id, attempt_number, reference_id, amount, status, provider, manual_details,
                          customer_initiated, created_at, updated_at)
    VALUES (inv.id, v_attempt, inv.invoice_number || '-' || v_attempt, inv.amount, 'pending', 'manual', v_details,
            false, p_now, p_now)
    RETURNING id INTO v_payment_id;
    UPDATE invoices SET attempt_count = GREATEST(attempt_count, v_attempt), updated_at = p_now WHERE id = inv.id;

    SELECT m.outcome, m.interaction_credits, m.scraper_credits INTO r
      FROM billing_mark_paid(v_payment_id, NULL, p_amount, 0, v_paid_at, v_details, p_now) m;
    IF r.outcome <> 'applied' THEN
        -- Cannot happen under the locks above; never leave a half-recorded payment behind.
        RAISE EXCEPTION 'manual payment for invoice % settled as %', inv.invoice_number, r.outcome;
    END IF;

    PERFORM log_billing_event('operator_action', s.id, inv.user_id, 'success',
            jsonb_build_object('operator_id', p_operator, 'action', 'record_payment', 'reason', p_note,
                               'target', jsonb_build_object('invoice_id', inv.id, 'invoice_number', inv.invoice_number,
                                                            'payment_id', v_payment_id, 'method', p_method,
                                                            'reference', p_reference, 'amount', p_amount,
                                                            'paid_at', v_paid_at),
                               'outcome', 'Done'),
            NULL, p_now);
    RETURN QUERY SELECT 'applied'::text, v_payment_id, r.interaction_credits, r.scraper_credits;
END $$;
