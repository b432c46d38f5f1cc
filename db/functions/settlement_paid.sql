-- Settlement: a payment iPaymu's check-transaction confirmed (contract §4.5, §4.10).
-- Each function lives in exactly one file of db/functions/; the migrator re-applies a file when
-- it changes (docs/architecture.md, "Where a change goes").

-- A payment confirmed paid by check-transaction (contract §4.5, §4.10): at most once per invoice.
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
    v_interaction bigint;
    v_scraper bigint;
    v_paid_at timestamptz := coalesce(p_paid_at, p_now);
    v_state text;
    v_kind text;
BEGIN
    SELECT p.invoice_id, i.subscription_id INTO v_invoice_id, v_subscription_id
      FROM payments p JOIN invoices i ON i.id = p.invoice_id WHERE p.id = p_payment_id;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'unknown_payment'::text, NULL::uuid, NULL::uuid, NULL::text, NULL::bigint, NULL::bigint;
        RETURN;
    END IF;
    -- A credit pack invoice has no subscription (s is all nulls): the invoice's lock serialises it.
    SELECT * INTO s FROM subscriptions WHERE id = v_subscription_id FOR UPDATE;
    SELECT * INTO inv FROM invoices WHERE id = v_invoice_id FOR UPDATE;
    SELECT * INTO pay FROM payments WHERE id = p_payment_id FOR UPDATE;

    IF pay.status = 'paid' THEN
        -- The same payment again is a duplicate. Another transaction under this attempt's
        -- reference is money taken twice (contract §4.10: a payment for an invoice already paid):
        -- a customer who paid two links made for one attempt (an orphan's remake after a crash,
        -- two pay-nows racing). Kept, flagged once per transaction, nothing granted; a person
        -- refunds it. The payment row keeps its first transaction.
        IF p_transaction_id IS NOT NULL AND pay.transaction_id IS NOT NULL
           AND p_transaction_id <> pay.transaction_id
           AND NOT EXISTS (SELECT 1 FROM billing_logs l
                            WHERE l.event_type = 'payment_oddity' AND (l.subscription_id = s.id OR (s.id IS NULL AND l.user_id = inv.user_id))
                              AND l.details->>'kind' = 'second_payment'
                              AND l.details->>'transaction_id' = p_transaction_id) THEN
            PERFORM log_billing_event('payment_oddity', s.id, inv.user_id, 'error',
                    jsonb_build_object('kind', 'second_payment', 'payment_id', pay.id, 'invoice_id', inv.id,
                                       'amount', p_amount, 'transaction_id', p_transaction_id,
                                       'first_transaction_id', pay.transaction_id),
                    format('A second payment (transaction %s) arrived for invoice %s, already paid by transaction %s; nothing granted, refund by hand',
                           p_transaction_id, inv.invoice_number, pay.transaction_id),
                    p_now);
            RETURN QUERY SELECT 'paid_again'::text, inv.id, s.id, inv.user_id, 0::bigint, 0::bigint;
            RETURN;
        END IF;
        RETURN QUERY SELECT 'duplicate'::text, inv.id, s.id, inv.user_id, 0::bigint, 0::bigint;
        RETURN;
    END IF;

    IF p_amount IS DISTINCT FROM pay.amount THEN
        PERFORM log_billing_event('payment_oddity', s.id, inv.user_id, 'error',
                jsonb_build_object('kind', 'amount_mismatch', 'payment_id', pay.id, 'invoice_id', inv.id,
                                   'expected', pay.amount, 'reported', p_amount, 'transaction_id', p_transaction_id),
                'Paid amount does not match the invoice', p_now);
        RETURN QUERY SELECT 'amount_mismatch'::text, inv.id, s.id, inv.user_id, 0::bigint, 0::bigint;
        RETURN;
    END IF;

    IF p_transaction_id IS NOT NULL AND EXISTS (
        SELECT 1 FROM payments o WHERE o.transaction_id = p_transaction_id AND o.id <> pay.id) THEN
        PERFORM log_billing_event('payment_oddity', s.id, inv.user_id, 'error',
                jsonb_build_object('kind', 'transaction_conflict', 'payment_id', pay.id, 'transaction_id', p_transaction_id),
                'Transaction id already belongs to another payment attempt', p_now);
        RETURN QUERY SELECT 'transaction_conflict'::text, inv.id, s.id, inv.user_id, 0::bigint, 0::bigint;
        RETURN;
    END IF;

    IF inv.status IN ('paid', 'cancelled', 'refunded') THEN
        -- Money arrived for an invoice that no longer wants it: keep it, flag it, grant nothing,
        -- reactivate nothing. A person refunds it (iPaymu has no refund API). A refunded invoice
        -- was paid. An invoice an operator recorded as paid elsewhere (a bank transfer) that is
        -- now paid through iPaymu too is the second_payment oddity (contract §13.1).
        v_state := CASE WHEN inv.status = 'cancelled' THEN 'cancelled' ELSE 'paid' END;
        v_kind := CASE WHEN v_state = 'paid' AND EXISTS (
                           SELECT 1 FROM payments m
                            WHERE m.invoice_id = inv.id AND m.status = 'paid' AND m.oddity IS NULL
                              AND m.provider IS DISTINCT FROM pay.provider)
                       THEN 'second_payment' ELSE 'paid_' || v_state || '_invoice' END;
        UPDATE payments
           SET status = 'paid', paid_at = v_paid_at, transaction_id = coalesce(transaction_id, p_transaction_id),
               fee = coalesce(p_fee, fee), gateway_response = coalesce(p_response, gateway_response),
               oddity = 'invoice_already_' || v_state, updated_at = p_now
         WHERE id = pay.id;
        PERFORM log_billing_event('payment_oddity', s.id, inv.user_id, 'error',
                jsonb_build_object('kind', v_kind, 'payment_id', pay.id, 'invoice_id', inv.id,
                                   'amount', p_amount, 'transaction_id', p_transaction_id),
                format('Payment received for invoice %s, which is already %s; nothing granted, refund by hand',
                       inv.invoice_number, inv.status),
                p_now);
        RETURN QUERY SELECT ('invoice_already_' || v_state)::text, inv.id, s.id, inv.user_id, 0::bigint, 0::bigint;
        RETURN;
    END IF;

    UPDATE payments
       SET status = 'paid', paid_at = v_paid_at, transaction_id = coalesce(transaction_id, p_transaction_id),
           fee = coalesce(p_fee, fee), gateway_response = coalesce(p_response, gateway_response),
           failure_reason = NULL, updated_at = p_now
     WHERE id = pay.id;
    -- The buyer's details are taken now and kept (contract §12.2; db/functions/tax.sql).
    UPDATE invoices SET status = 'paid', paid_at = v_paid_at, buyer = coalesce(buyer, billing_buyer_snapshot(inv.user_id)),
                        updated_at = p_now
     WHERE id = inv.id;
    -- What a paid invoice brings, by kind (db/functions/settlement_grant.sql): same transaction.
    SELECT g.interaction, g.scraper INTO v_interaction, v_scraper
      FROM billing_grant_paid_invoice(inv.id, pay.id, p_transaction_id, p_response, p_now) g;
    RETURN QUERY SELECT 'applied'::text, inv.id, s.id, inv.user_id, v_interaction, v_scraper;
END $$;
