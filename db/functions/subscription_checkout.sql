-- Checkout (contract §7.2): a new subscription, incomplete until its first invoice is paid.
-- Each function lives in exactly one file of db/functions/; the migrator re-applies a file when
-- it changes (docs/architecture.md, "Where a change goes").

-- In one transaction: the subscription (incomplete, anchored now), its first invoice
-- (subscription_create) and attempt 1. subscriptions_one_live_per_user refuses a second live
-- subscription for the user, however many checkouts race: the loser answers subscription_exists.
-- A coupon code is redeemed in the same block (db/functions/coupons.sql): a refusal rolls the
-- subscription back and is the answer (coupon_not_found, …); an invoice whose composed amount is
-- too small to charge is settled at once (waived, no attempt to pay).
-- A plan with a trial (contract §11.2) starts trialing instead (db/functions/trials.sql), unless
-- p_trial is false; a user who had a trial checks out a paid subscription, or, with p_trial true
-- (the customer asked for the trial), is refused: trial_already_used.
DROP FUNCTION IF EXISTS billing_checkout(text, uuid, timestamptz, jsonb);
CREATE OR REPLACE FUNCTION billing_checkout(p_user_id text, p_plan_id uuid, p_now timestamptz, p_tax jsonb DEFAULT '{}'::jsonb,
                                            p_coupon_code text DEFAULT NULL, p_min_charge bigint DEFAULT 0,
                                            p_trial boolean DEFAULT NULL)
RETURNS TABLE (outcome text, subscription_id uuid, invoice_id uuid, payment_id uuid)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    pl record;
    v_sub uuid;
    v_invoice uuid;
    v_payment uuid;
    v_number text;
    v_end timestamptz;
    v_total record;
    v_discount jsonb;
    v_coupon text;
    v_trial record;
BEGIN
    SELECT p.id, p.name, p.price, p.interaction_credits, p.scraper_credits, p.billing_interval, p.trial_days INTO pl
      FROM subscription_plans p WHERE p.id = p_plan_id AND p.is_active;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'plan_not_found'::text, NULL::uuid, NULL::uuid, NULL::uuid;
        RETURN;
    END IF;
    -- The web app normally writes users; a signed-in customer it has not written yet still checks out.
    INSERT INTO users (id, created_at, updated_at) VALUES (p_user_id, p_now, p_now) ON CONFLICT (id) DO NOTHING;

    IF pl.trial_days > 0 AND p_trial IS DISTINCT FROM false
       AND (p_trial OR NOT EXISTS (SELECT 1 FROM trial_users t WHERE t.user_id = p_user_id)) THEN
        -- A coupon given with a trial is redeemed on the trialing subscription, so it discounts the
        -- invoices from the trial's end on; its refusal undoes the trial too.
        BEGIN
            SELECT t.outcome, t.subscription_id, t.invoice_id, t.payment_id INTO v_trial
              FROM billing_start_trial(p_user_id, pl.id, p_now) t;
            IF v_trial.outcome = 'trialing' AND p_coupon_code IS NOT NULL THEN
                SELECT c.outcome INTO v_coupon
                  FROM billing_redeem_coupon(p_coupon_code, p_user_id, v_trial.subscription_id, pl.id, p_now) c;
                IF v_coupon <> 'redeemed' THEN
                    RAISE EXCEPTION '%', v_coupon USING ERRCODE = 'BCCP1';
                END IF;
            END IF;
        EXCEPTION WHEN SQLSTATE 'BCCP1' THEN
            RETURN QUERY SELECT SQLERRM, NULL::uuid, NULL::uuid, NULL::uuid;
            RETURN;
        END;
        RETURN QUERY SELECT v_trial.outcome, v_trial.subscription_id, v_trial.invoice_id, v_trial.payment_id;
        RETURN;
    END IF;

    v_end := billing_add_months(p_now, CASE WHEN pl.billing_interval = 'year' THEN 12 ELSE 1 END);
    BEGIN
        INSERT INTO subscriptions (user_id, plan_id, status, billing_anchor, current_period_start, current_period_end,
                                   created_at, updated_at)
        VALUES (p_user_id, pl.id, 'incomplete', p_now, p_now, v_end, p_now, p_now)
        RETURNING id INTO v_sub;
        IF p_coupon_code IS NOT NULL THEN
            SELECT c.outcome INTO v_coupon FROM billing_redeem_coupon(p_coupon_code, p_user_id, v_sub, pl.id, p_now) c;
            IF v_coupon <> 'redeemed' THEN
                RAISE EXCEPTION '%', v_coupon USING ERRCODE = 'BCCP1';
            END IF;
        END IF;
    EXCEPTION WHEN unique_violation THEN
        RETURN QUERY SELECT 'subscription_exists'::text,
               (SELECT s.id FROM subscriptions s WHERE s.user_id = p_user_id AND s.status <> 'canceled'), NULL::uuid, NULL::uuid;
        RETURN;
    WHEN SQLSTATE 'BCCP1' THEN
        RETURN QUERY SELECT SQLERRM, NULL::uuid, NULL::uuid, NULL::uuid;
        RETURN;
    END;

    v_discount := billing_coupon_discount(v_sub, pl.id, pl.price, p_now, true);
    SELECT * INTO v_total FROM billing_compose_invoice(pl.price, coalesce((v_discount->>'amount')::bigint, 0), p_tax);
    v_number := billing_next_invoice_number(p_now);
    INSERT INTO invoices (invoice_number, user_id, subscription_id, period_start, period_end, amount, currency, status,
                          kind, line_items, attempt_count, created_at, updated_at)
    VALUES (v_number, p_user_id, v_sub, p_now, v_end, v_total.amount, 'IDR', 'pending', 'subscription_create',
            jsonb_build_object('type', 'subscription_create', 'plan_name', pl.name,
                               'period', CASE WHEN pl.billing_interval = 'year' THEN 'yearly' ELSE 'monthly' END,
                               'period_start', p_now, 'period_end', v_end, 'price', pl.price, 'plan_id', pl.id,
                               'interaction_credits', pl.interaction_credits, 'scraper_credits', pl.scraper_credits)
            || CASE WHEN v_total.tax_line IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('tax', v_total.tax_line) END
            || CASE WHEN v_discount IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('discount', v_discount) END,
            1, p_now, p_now)
    RETURNING id INTO v_invoice;
    IF NOT billing_charge_waived(v_total.amount, p_min_charge) THEN
        INSERT INTO payments (invoice_id, attempt_number, reference_id, amount, status, retry_number, created_at, updated_at)
        VALUES (v_invoice, 1, v_number || '-1', v_total.amount, 'pending', 0, p_now, p_now)
        RETURNING id INTO v_payment;
        PERFORM billing_claim_for_customer(v_payment); -- the customer's call makes its link
    END IF;

    PERFORM log_billing_event('checkout', v_sub, p_user_id, 'pending',
            jsonb_build_object('invoice_id', v_invoice, 'invoice_number', v_number, 'plan_id', pl.id, 'plan_name', pl.name,
                               'amount', v_total.amount),
            NULL, p_now);
    IF v_payment IS NULL THEN
        PERFORM billing_waive_charge(v_invoice, p_now);
        RETURN QUERY SELECT 'waived'::text, v_sub, v_invoice, NULL::uuid;
        RETURN;
    END IF;
    RETURN QUERY SELECT 'created'::text, v_sub, v_invoice, v_payment;
END $$;

-- Housekeeping (contract §7.2, §7.5): a checkout or upgrade whose every attempt is closed, the last
-- one more than the grace period past its expiry, is withdrawn — a checkout's subscription is
-- canceled ("Checkout not paid"), an upgrade's invoice cancelled and its subscription untouched.
-- Attempts still open are reconciled with iPaymu first by the caller; one still open here keeps
-- the invoice. Returns what it withdrew.
CREATE OR REPLACE FUNCTION billing_withdraw_unpaid(p_invoice_id uuid, p_grace interval, p_now timestamptz)
RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    inv record;
    s record;
    v_last timestamptz;
BEGIN
    SELECT i.subscription_id INTO inv FROM invoices i WHERE i.id = p_invoice_id;
    IF NOT FOUND THEN
        RETURN 'unknown';
    END IF;
    SELECT * INTO s FROM subscriptions WHERE id = inv.subscription_id FOR UPDATE;
    SELECT * INTO inv FROM invoices WHERE id = p_invoice_id FOR UPDATE;
    IF inv.status <> 'pending' OR inv.kind = 'renewal' THEN
        RETURN 'kept';
    END IF;
    IF EXISTS (SELECT 1 FROM payments p WHERE p.invoice_id = inv.id AND p.status = 'pending') THEN
        RETURN 'kept';
    END IF;
    SELECT max(coalesce(p.expires_at, p.updated_at)) INTO v_last FROM payments p WHERE p.invoice_id = inv.id;
    IF v_last IS NOT NULL AND v_last + p_grace > p_now THEN
        RETURN 'kept';
    END IF;

    IF inv.kind = 'subscription_create' THEN
        PERFORM cancel_subscription(s.id, 'Checkout not paid', p_now);
        PERFORM log_billing_event('checkout', s.id, s.user_id, 'failed',
                jsonb_build_object('action', 'checkout_expired', 'invoice_id', inv.id), NULL, p_now);
        RETURN 'checkout_canceled';
    END IF;
    UPDATE invoices SET status = 'cancelled', updated_at = p_now WHERE id = inv.id;
    -- A credit pack (contract §11.4) expires with its link like an upgrade; it has no subscription.
    IF inv.kind = 'credit_pack' THEN
        PERFORM log_billing_event('credit_pack', NULL, inv.user_id, 'failed',
                jsonb_build_object('action', 'pack_expired', 'invoice_id', inv.id), NULL, p_now);
        RETURN 'pack_cancelled';
    END IF;
    PERFORM log_billing_event('plan_change', s.id, s.user_id, 'failed',
            jsonb_build_object('action', 'upgrade_expired', 'invoice_id', inv.id), NULL, p_now);
    RETURN 'upgrade_cancelled';
END $$;
