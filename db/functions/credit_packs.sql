-- Credit packs (contract §11.4): buying one (an invoice of kind credit_pack that belongs to no
-- subscription, and its first payment attempt) and what its payment grants. The grant is called
-- by billing_grant_paid_invoice (db/functions/settlement_grant.sql), so a pack is paid through the
-- one settlement path whoever reports the payment (a callback, reconciliation, an operator).
-- Each function lives in exactly one file of db/functions/; the migrator re-applies a file when
-- it changes (docs/architecture.md, "Where a change goes").

-- In one transaction: the invoice (amount from the invoice composer) and attempt 1. The user's row
-- is locked first, so purchases by one user queue here and the count of open pack invoices is
-- read under that lock: at most p_max_open open at once, however many requests race. A user the
-- web app has not written yet is written, as checkout does. A pack is never waived (contract
-- §11.3's charge_waived is for invoices a discount or a plan made small): a paid-at-once pack
-- would be free credits without end, as it never stays open to count toward p_max_open. The admin
-- API refuses a pack under BILLING_MIN_CHARGE; one stored anyway (SQL, a raised minimum) is
-- refused here before anything is written. Outcomes: created, pack_not_found, too_many_open,
-- under_min_charge.
DROP FUNCTION IF EXISTS billing_buy_credit_pack(text, uuid, integer, timestamptz, jsonb);
CREATE OR REPLACE FUNCTION billing_buy_credit_pack(
    p_user_id text, p_pack_id uuid, p_max_open integer, p_now timestamptz, p_tax jsonb DEFAULT '{}'::jsonb,
    p_min_charge bigint DEFAULT 0)
RETURNS TABLE (outcome text, invoice_id uuid, payment_id uuid)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    pk record;
    v_total record;
    v_number text;
    v_invoice uuid;
    v_payment uuid;
BEGIN
    SELECT c.id, c.name, c.credit_type, c.credits, c.price INTO pk
      FROM credit_packs c WHERE c.id = p_pack_id AND c.is_active;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'pack_not_found'::text, NULL::uuid, NULL::uuid;
        RETURN;
    END IF;
    SELECT * INTO v_total FROM billing_compose_invoice(pk.price, 0, p_tax);
    IF billing_charge_waived(v_total.amount, p_min_charge) THEN
        RETURN QUERY SELECT 'under_min_charge'::text, NULL::uuid, NULL::uuid;
        RETURN;
    END IF;
    INSERT INTO users (id, created_at, updated_at) VALUES (p_user_id, p_now, p_now) ON CONFLICT (id) DO NOTHING;
    PERFORM 1 FROM users u WHERE u.id = p_user_id FOR UPDATE;
    IF (SELECT count(*) FROM invoices i
         WHERE i.user_id = p_user_id AND i.kind = 'credit_pack' AND i.status IN ('pending', 'failed')) >= p_max_open THEN
        RETURN QUERY SELECT 'too_many_open'::text, NULL::uuid, NULL::uuid;
        RETURN;
    END IF;

    v_number := billing_next_invoice_number(p_now);
    INSERT INTO invoices (invoice_number, user_id, subscription_id, period_start, period_end, amount, currency, status,
                          kind, line_items, attempt_count, created_at, updated_at)
    VALUES (v_number, p_user_id, NULL, p_now, p_now, v_total.amount, 'IDR', 'pending', 'credit_pack',
            jsonb_build_object('type', 'credit_pack', 'pack_id', pk.id, 'pack_name', pk.name, 'credit_type', pk.credit_type,
                               'credits', pk.credits, 'price', pk.price)
            || CASE WHEN v_total.tax_line IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('tax', v_total.tax_line) END,
            1, p_now, p_now)
    RETURNING id INTO v_invoice;
    -- The customer asked for this link and gets it in the answer: no "payment due" notice for it.
    INSERT INTO payments (invoice_id, attempt_number, reference_id, amount, status, retry_number, customer_initiated,
                          created_at, updated_at)
    VALUES (v_invoice, 1, v_number || '-1', v_total.amount, 'pending', NULL, true, p_now, p_now)
    RETURNING id INTO v_payment;
    PERFORM billing_claim_for_customer(v_payment); -- the customer's call makes its link

    PERFORM log_billing_event('credit_pack', NULL, p_user_id, 'pending',
            jsonb_build_object('invoice_id', v_invoice, 'invoice_number', v_number, 'pack_id', pk.id, 'pack_name', pk.name,
                               'amount', v_total.amount),
            NULL, p_now);
    RETURN QUERY SELECT 'created'::text, v_invoice, v_payment;
END $$;

-- A paid pack invoice (called by billing_grant_paid_invoice under the invoice's and payment's
-- locks): its credits ADDED to the balance of its type, never a reset. The ledger row references
-- the invoice, so credit_transactions_reference_key refuses a second grant for it whatever path
-- reports the payment again; the invoice's other open attempts close; notification
-- credit_pack_paid; one billing log. Returns the credits as (interaction, scraper).
CREATE OR REPLACE FUNCTION billing_grant_credit_pack(p_invoice_id uuid, p_payment_id uuid, p_transaction_id text,
                                                     p_now timestamptz)
RETURNS TABLE (interaction bigint, scraper bigint)
LANGUAGE plpgsql AS $$
DECLARE
    inv record;
    v_type text;
    v_credits bigint;
    v_name text;
BEGIN
    SELECT * INTO inv FROM invoices WHERE id = p_invoice_id;
    v_type := inv.line_items->>'credit_type';
    v_credits := (inv.line_items->>'credits')::bigint;
    v_name := inv.line_items->>'pack_name';
    PERFORM apply_credit_change(inv.user_id, v_type, 'add', v_credits, inv.id::text,
            format('Credit pack %s - %s %s credits', v_name, v_credits, v_type), p_now);
    PERFORM billing_close_open_attempts(inv.id, 'superseded by a paid attempt', p_now);
    PERFORM notify(inv.user_id, 'credit_pack_paid', '',
            jsonb_build_object('pack_name', v_name, 'amount', notify_money(inv.amount),
                               -- 1.000 / 1,000: the amount's digits without its currency.
                               'credits', regexp_replace(notify_money(v_credits), '^(Rp|IDR )', '')),
            jsonb_build_object('invoice_id', inv.id, 'invoice_number', inv.invoice_number, 'amount', inv.amount,
                               'pack_name', v_name, 'credit_type', v_type, 'credits', v_credits),
            p_now);
    PERFORM log_billing_event('credit_pack', NULL, inv.user_id, 'success',
            jsonb_build_object('invoice_id', inv.id, 'payment_id', p_payment_id, 'transaction_id', p_transaction_id,
                               'amount', inv.amount, 'credit_type', v_type, 'credits', v_credits, 'invoice_kind', inv.kind),
            NULL, p_now);
    RETURN QUERY SELECT CASE WHEN v_type = 'interaction' THEN v_credits ELSE 0 END,
                        CASE WHEN v_type = 'scraper' THEN v_credits ELSE 0 END;
END $$;
