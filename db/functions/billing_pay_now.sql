-- Pay now (contract §7.6): the link a customer gets for an open invoice, from the API, the pay page
-- or the operator console alike.
-- Each function lives in exactly one file of db/functions/; the migrator re-applies a file when
-- it changes (docs/architecture.md, "Where a change goes").

-- Under the subscription and invoice locks: an invoice that is not open → not_open; its live
-- attempt with at least p_min_left to go → live (its link); its latest attempt still without a
-- link (a crash, an outage) → needs_link (that attempt, created again with its reference); else
-- a new attempt, unless the latest was made less than a minute ago (too_many). The new attempt
-- takes over the dunning step of the live one it replaces (closed without dunning); after a
-- failure it serves none, so the retry schedule goes on unchanged.
CREATE OR REPLACE FUNCTION billing_pay_now(p_invoice_id uuid, p_min_left interval, p_now timestamptz)
RETURNS TABLE (outcome text, payment_id uuid, payment_url text, expires_at timestamptz, attempt_number integer)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    v_sub uuid;
    s record;
    inv record;
    latest record;
    v_retry integer;
    v_new uuid;
    v_has boolean;
BEGIN
    SELECT i.subscription_id INTO v_sub FROM invoices i WHERE i.id = p_invoice_id;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'not_open'::text, NULL::uuid, NULL::text, NULL::timestamptz, NULL::integer;
        RETURN;
    END IF;
    SELECT * INTO s FROM subscriptions WHERE id = v_sub FOR UPDATE;
    SELECT * INTO inv FROM invoices WHERE id = p_invoice_id FOR UPDATE;
    IF NOT (inv.status = 'pending' OR (inv.status = 'failed' AND s.status = 'past_due')) OR s.status = 'canceled' THEN
        RETURN QUERY SELECT 'not_open'::text, NULL::uuid, NULL::text, NULL::timestamptz, NULL::integer;
        RETURN;
    END IF;

    SELECT p.id, p.status, p.session_id, p.payment_url, p.expires_at, p.attempt_number, p.retry_number, p.created_at
      INTO latest
      FROM payments p WHERE p.invoice_id = inv.id ORDER BY p.attempt_number DESC LIMIT 1 FOR UPDATE;
    v_has := FOUND;
    IF v_has AND latest.status = 'pending' THEN
        IF latest.session_id IS NOT NULL AND latest.expires_at >= p_now + p_min_left THEN
            RETURN QUERY SELECT 'live'::text, latest.id, latest.payment_url, latest.expires_at, latest.attempt_number;
            RETURN;
        END IF;
        IF latest.session_id IS NULL THEN
            PERFORM billing_claim_for_customer(latest.id); -- this call makes its link now
            RETURN QUERY SELECT 'needs_link'::text, latest.id, NULL::text, NULL::timestamptz, latest.attempt_number;
            RETURN;
        END IF;
    END IF;
    IF v_has AND latest.created_at > p_now - interval '1 minute' THEN
        RETURN QUERY SELECT 'too_many'::text, NULL::uuid, NULL::text, NULL::timestamptz, NULL::integer;
        RETURN;
    END IF;

    v_retry := CASE WHEN v_has AND latest.status = 'pending' THEN latest.retry_number END;
    IF v_has AND latest.status = 'pending' THEN
        UPDATE payments SET status = 'expired', failure_reason = 'replaced by a new link', updated_at = p_now WHERE id = latest.id;
    END IF;
    v_new := billing_add_attempt(inv.id, inv.invoice_number, inv.amount, v_retry, true, NULL, p_now);
    PERFORM billing_claim_for_customer(v_new); -- the customer's call makes its link
    PERFORM log_billing_event('pay_now', s.id, inv.user_id, 'pending',
            jsonb_build_object('invoice_id', inv.id, 'payment_id', v_new, 'replaced', CASE WHEN v_retry IS NOT NULL THEN latest.id END),
            NULL, p_now);
    RETURN QUERY SELECT 'created'::text, v_new, NULL::text, NULL::timestamptz,
           (SELECT p.attempt_number FROM payments p WHERE p.id = v_new);
END $$;

-- A pay link an operator sends (contract §9.2, "send a fresh pay link"): the pay-now rule made or
-- found the link; this tells the customer, as the renewal's "payment due" notice does. Its email
-- is queued by the notifications trigger, data.invoice_url added by it, in this transaction;
-- the console writes its operator_action log around the call.
CREATE OR REPLACE FUNCTION billing_notify_pay_link(p_invoice_id uuid, p_url text, p_expires_at timestamptz,
                                                   p_operator text, p_now timestamptz)
RETURNS uuid
LANGUAGE plpgsql AS $$
DECLARE
    v_id uuid;
BEGIN
    SELECT notify(i.user_id, 'billing_payment_due', 'pay_link',
                  jsonb_build_object('invoice_number', i.invoice_number, 'amount', notify_money(i.amount)),
                  jsonb_build_object('payment_url', p_url, 'invoice_id', i.id, 'invoice_number', i.invoice_number,
                                     'amount', i.amount, 'expires_at', p_expires_at, 'sent_by', 'operator'),
                  p_now)
      INTO v_id
      FROM invoices i
     WHERE i.id = p_invoice_id;
    RETURN v_id;
END $$;
