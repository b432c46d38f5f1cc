-- Refunds and credit notes (contract §13.2): money already returned to a customer outside the
-- service (iPaymu has no refund API) is recorded as a credit note against a paid invoice.
-- Each function lives in exactly one file of db/functions/; the migrator re-applies a file when
-- it changes (docs/architecture.md, "Where a change goes").

-- Records one refund in one transaction: the credit note, the invoice's refunded_amount (and
-- status refunded once it equals the amount), the credits taken back, the subscription canceled,
-- the notification, the operator_action log. Outcomes: refunded, not_found, not_paid,
-- already_refunded, exceeds_paid.
-- The limit is not checked here: the UPDATE that grows refunded_amount is refused by the
-- constraint invoices_refund_within_amount, under the invoice's row lock, so concurrent refunds
-- queue on the row and the sum of credit notes never passes the amount.
CREATE OR REPLACE FUNCTION billing_refund_invoice(
    p_invoice_id uuid, p_amount bigint, p_reason text, p_revoke_credits boolean,
    p_cancel_subscription boolean, p_operator text, p_now timestamptz)
RETURNS TABLE (outcome text, credit_note_id uuid, credit_note_number text)
LANGUAGE plpgsql AS $$
DECLARE
    v_subscription_id uuid;
    inv record;
    v_before bigint;
    v_after bigint;
    v_id uuid;
    v_number text;
    v_tax bigint;
    g record;
    v_granted bigint;
    v_take bigint;
    v_revoked jsonb := '[]'::jsonb;
    v_canceled boolean := false;
BEGIN
    SELECT i.subscription_id INTO v_subscription_id FROM invoices i WHERE i.id = p_invoice_id;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'not_found'::text, NULL::uuid, NULL::text;
        RETURN;
    END IF;
    -- Lock order subscription → invoice, as settlement and cancellation take them.
    PERFORM 1 FROM subscriptions WHERE id = v_subscription_id FOR UPDATE;
    SELECT * INTO inv FROM invoices WHERE id = p_invoice_id FOR UPDATE;
    IF inv.status = 'refunded' THEN
        RETURN QUERY SELECT 'already_refunded'::text, NULL::uuid, NULL::text;
        RETURN;
    END IF;
    IF inv.status <> 'paid' THEN
        RETURN QUERY SELECT 'not_paid'::text, NULL::uuid, NULL::text;
        RETURN;
    END IF;
    -- A charge waived (contract §11.3) took no money: there is nothing to give back.
    IF EXISTS (SELECT 1 FROM payments p WHERE p.invoice_id = inv.id AND p.status = 'paid' AND p.provider = 'waived') THEN
        RETURN QUERY SELECT 'exceeds_paid'::text, NULL::uuid, NULL::text;
        RETURN;
    END IF;

    v_before := inv.refunded_amount;
    v_after := v_before + p_amount;
    BEGIN
        UPDATE invoices
           SET refunded_amount = v_after,
               status = CASE WHEN v_after = amount THEN 'refunded' ELSE status END,
               updated_at = p_now
         WHERE id = inv.id;
    EXCEPTION WHEN check_violation THEN
        RETURN QUERY SELECT 'exceeds_paid'::text, NULL::uuid, NULL::text;
        RETURN;
    END;

    -- The invoice's tax in proportion to the refunded amount, rounded half up (numeric round).
    v_tax := round(coalesce((inv.line_items->'tax'->>'amount')::numeric, 0) * p_amount / inv.amount);
    v_number := 'CN-' || to_char(p_now AT TIME ZONE 'UTC', 'YYYYMM') || '-' || lpad(nextval('credit_note_number_seq')::text, 6, '0');
    INSERT INTO credit_notes (credit_note_number, invoice_id, user_id, amount, tax_amount, reason, created_by,
                              revoke_credits, cancel_subscription, created_at)
    VALUES (v_number, inv.id, inv.user_id, p_amount, v_tax, p_reason, p_operator,
            coalesce(p_revoke_credits, false), coalesce(p_cancel_subscription, false), p_now)
    RETURNING id INTO v_id;

    IF p_revoke_credits THEN
        -- What the invoice granted per credit type (a reset granted the balance it set, an add its
        -- amount), scaled to the refunded share. Each refund takes the difference between the
        -- shares before and after it, so the revocations of several partial refunds add up to at
        -- most what was granted, whatever the rounding.
        FOR g IN SELECT t.credit_type, CASE WHEN t.kind = 'reset' THEN t.balance_after ELSE t.amount END AS granted
                   FROM credit_transactions t
                  WHERE t.user_id = inv.user_id AND t.reference_id = inv.id::text AND t.kind IN ('reset', 'add')
                  ORDER BY t.credit_type LOOP
            v_granted := greatest(g.granted, 0);
            v_take := round(v_granted::numeric * v_after / inv.amount) - round(v_granted::numeric * v_before / inv.amount);
            IF v_take > 0 THEN
                -- Never below a zero balance: apply_credit_change_ex's 'revoke' stops at zero.
                PERFORM apply_credit_change_ex(inv.user_id, g.credit_type, 'revoke', v_take, v_id::text,
                        format('Refund %s of invoice %s - %s %s credits revoked', v_number, inv.invoice_number, v_take, g.credit_type),
                        p_now);
                v_revoked := v_revoked || jsonb_build_object('credit_type', g.credit_type, 'requested', v_take);
            END IF;
        END LOOP;
    END IF;

    IF p_cancel_subscription AND v_subscription_id IS NOT NULL THEN
        v_canceled := cancel_subscription(v_subscription_id, 'Refunded', p_now);
    END IF;

    -- The words are the invoice_refunded email's (notify(), docs/architecture.md): one place for them.
    PERFORM notify(inv.user_id, 'invoice_refunded', '',
            jsonb_build_object('refund_amount', notify_money(p_amount), 'invoice_number', inv.invoice_number,
                               'credit_note_number', v_number),
            jsonb_build_object('invoice_id', inv.id, 'invoice_number', inv.invoice_number,
                               'credit_note_id', v_id, 'credit_note_number', v_number,
                               'amount', p_amount, 'tax_amount', v_tax, 'refunded_amount', v_after,
                               'invoice_amount', inv.amount),
            p_now);
    PERFORM log_billing_event('operator_action', v_subscription_id, inv.user_id, 'success',
            jsonb_build_object('operator_id', p_operator, 'action', 'refund', 'reason', p_reason,
                               'target', jsonb_build_object('invoice_id', inv.id, 'invoice_number', inv.invoice_number,
                                                            'credit_note_id', v_id, 'credit_note_number', v_number,
                                                            'amount', p_amount, 'tax_amount', v_tax,
                                                            'revoked', v_revoked, 'subscription_canceled', v_canceled),
                               'outcome', 'Done'),
            NULL, p_now);
    RETURN QUERY SELECT 'refunded'::text, v_id, v_number;
END $$;

-- Credit notes issued in one calendar month of Asia/Jakarta time (contract §12.4: the tax page
-- lists them as needing a correction in Coretax), oldest first. p_month is the month's first day.
CREATE OR REPLACE FUNCTION credit_notes_in_jakarta_month(p_month date)
RETURNS TABLE (id uuid, credit_note_number text, invoice_id uuid, invoice_number text, user_id text,
               amount bigint, tax_amount bigint, reason text, created_by text, created_at timestamptz)
LANGUAGE sql STABLE AS $$
    SELECT c.id, c.credit_note_number, c.invoice_id, i.invoice_number, c.user_id, c.amount, c.tax_amount,
           c.reason, c.created_by, c.created_at
      FROM credit_notes c JOIN invoices i ON i.id = c.invoice_id
     WHERE c.created_at >= (date_trunc('month', p_month)::timestamp AT TIME ZONE 'Asia/Jakarta')
       AND c.created_at < ((date_trunc('month', p_month) + interval '1 month')::timestamp AT TIME ZONE 'Asia/Jakarta')
     ORDER BY c.created_at, c.credit_note_number
$$;
