-- Coupons (contract §11.3): redeeming one, the discount an invoice takes from it, and settling an
-- invoice whose charge is waived. The tables and the limits they hold are in
-- db/migrations/0110_coupons.sql.
-- Each function lives in exactly one file of db/functions/; the migrator re-applies a file when
-- it changes (docs/architecture.md, "Where a change goes").

-- Whether a coupon code may be redeemed by a user on a plan now, read only: ok, or the refusal
-- billing_redeem_coupon would answer (coupon_not_found, coupon_expired, coupon_not_applicable,
-- coupon_already_redeemed, coupon_exhausted), with the coupon's id when there is one. The
-- redemption asks it for the first three and holds the last two by its guarded writes (this read
-- only predicts them, for a preview: the portal's plans page), so both answer from one set of
-- conditions.
CREATE OR REPLACE FUNCTION billing_coupon_check(p_code text, p_user_id text, p_plan_id uuid, p_now timestamptz)
RETURNS TABLE (outcome text, coupon_id uuid)
LANGUAGE sql STABLE AS $$
    SELECT coalesce(
               (SELECT CASE WHEN k.redeem_by IS NOT NULL AND k.redeem_by <= p_now THEN 'coupon_expired'
                            WHEN k.plan_ids IS NOT NULL AND NOT p_plan_id = ANY (k.plan_ids) THEN 'coupon_not_applicable'
                            WHEN EXISTS (SELECT 1 FROM coupon_redemptions r WHERE r.coupon_id = k.id AND r.user_id = p_user_id)
                                THEN 'coupon_already_redeemed'
                            WHEN k.max_redemptions IS NOT NULL AND k.times_redeemed >= k.max_redemptions THEN 'coupon_exhausted'
                            ELSE 'ok' END
                  FROM coupons k WHERE lower(k.code) = lower(p_code) AND k.is_active),
               'coupon_not_found'),
           (SELECT k.id FROM coupons k WHERE lower(k.code) = lower(p_code) AND k.is_active)
$$;

-- The discount line a coupon gives a price (contract §11.3): {coupon_code, name, percent_off |
-- amount_off, amount}, amount = round half up of price × percent ÷ 100, or min(amount_off, price).
-- The one formula: invoices take it through billing_coupon_discount, the portal's preview directly.
CREATE OR REPLACE FUNCTION billing_coupon_line(
    p_code text, p_name text, p_percent_off integer, p_amount_off bigint, p_price bigint)
RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
    SELECT jsonb_build_object('coupon_code', p_code, 'name', p_name)
           || CASE WHEN p_percent_off IS NOT NULL THEN jsonb_build_object('percent_off', p_percent_off)
                   ELSE jsonb_build_object('amount_off', p_amount_off) END
           || jsonb_build_object('amount',
                  CASE WHEN p_percent_off IS NOT NULL THEN round(p_price * p_percent_off / 100.0)::bigint
                       ELSE least(p_amount_off, p_price) END)
$$;

-- Redeems a coupon for a subscription (the caller holds the subscription's row). Refusals change
-- nothing: the writes sit in a block that a refusal rolls back. max_redemptions is held by the
-- guarded counter UPDATE (the coupon's row lock queues concurrent redemptions, and the ones past
-- the limit find it full); one redemption per user by coupon_redemptions_once_per_user. A new
-- redemption replaces the subscription's running one (from the next invoice on).
-- Outcomes: redeemed, coupon_not_found, coupon_expired, coupon_not_applicable,
-- coupon_already_redeemed, coupon_exhausted.
CREATE OR REPLACE FUNCTION billing_redeem_coupon(
    p_code text, p_user_id text, p_subscription_id uuid, p_plan_id uuid, p_now timestamptz)
RETURNS TABLE (outcome text, coupon_id uuid, redemption_id uuid)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    c record;
    v_id uuid;
BEGIN
    -- The refusals of the coupon itself (billing_coupon_check, which the portal's preview also
    -- asks); already redeemed and exhausted, which a race can change, are judged by the writes
    -- below alone (the unique constraint, the guarded counter), never by the check's read.
    SELECT k.coupon_id AS id, k.outcome INTO c FROM billing_coupon_check(p_code, p_user_id, p_plan_id, p_now) k;
    IF c.outcome NOT IN ('ok', 'coupon_already_redeemed', 'coupon_exhausted') THEN
        RETURN QUERY SELECT c.outcome, c.id, NULL::uuid;
        RETURN;
    END IF;
    BEGIN
        UPDATE coupon_redemptions r SET ended_at = p_now WHERE r.subscription_id = p_subscription_id AND r.ended_at IS NULL;
        INSERT INTO coupon_redemptions (coupon_id, user_id, subscription_id, created_at)
        VALUES (c.id, p_user_id, p_subscription_id, p_now)
        ON CONFLICT ON CONSTRAINT coupon_redemptions_once_per_user DO NOTHING
        RETURNING id INTO v_id;
        IF v_id IS NULL THEN
            RAISE EXCEPTION 'coupon_already_redeemed' USING ERRCODE = 'BCCP1';
        END IF;
        UPDATE coupons k SET times_redeemed = k.times_redeemed + 1
         WHERE k.id = c.id AND (k.max_redemptions IS NULL OR k.times_redeemed < k.max_redemptions);
        IF NOT FOUND THEN
            RAISE EXCEPTION 'coupon_exhausted' USING ERRCODE = 'BCCP1';
        END IF;
    EXCEPTION WHEN SQLSTATE 'BCCP1' THEN
        RETURN QUERY SELECT SQLERRM, c.id, NULL::uuid;
        RETURN;
    END;
    PERFORM log_billing_event('coupon', p_subscription_id, p_user_id, 'success',
            jsonb_build_object('action', 'coupon_redeemed', 'coupon_id', c.id, 'redemption_id', v_id), NULL, p_now);
    RETURN QUERY SELECT 'redeemed'::text, c.id, v_id;
END $$;

-- The discount line of an invoice of p_subscription_id for p_plan_id at p_price (contract §11.3),
-- or NULL: {coupon_code, name, percent_off | amount_off, amount}. A period invoice (checkout,
-- renewal: p_counts) takes the running redemption while it lasts — once: one period invoice,
-- repeating: duration_in_periods of them, forever — and is counted by the invoices trigger below.
-- A plan change invoice (not p_counts) takes the percentage of the redemption that discounted
-- the period p_period_start, and is not counted. STABLE and set-friendly: the renewal page calls
-- it per row of its one statement.
CREATE OR REPLACE FUNCTION billing_coupon_discount(
    p_subscription_id uuid, p_plan_id uuid, p_price bigint, p_period_start timestamptz, p_counts boolean)
RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT billing_coupon_line(k.code, k.name, k.percent_off, k.amount_off, p_price)
      FROM coupon_redemptions r
      JOIN coupons k ON k.id = r.coupon_id
     WHERE r.subscription_id = p_subscription_id AND r.ended_at IS NULL AND p_price > 0
       AND (k.plan_ids IS NULL OR p_plan_id = ANY (k.plan_ids))
       AND CASE WHEN p_counts THEN k.duration = 'forever'
                                   OR r.periods_used < CASE k.duration WHEN 'once' THEN 1 ELSE k.duration_in_periods END
                ELSE k.percent_off IS NOT NULL AND r.last_period_start = p_period_start END
$$;

-- A period invoice that took a discount uses one period of the running redemption. A trigger,
-- so checkout and the set-based renewal page count the same way without restating it.
CREATE OR REPLACE FUNCTION billing_count_coupon_period() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE coupon_redemptions r
       SET periods_used = r.periods_used + 1, last_period_start = NEW.period_start
     WHERE r.subscription_id = NEW.subscription_id AND r.ended_at IS NULL;
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS invoices_count_coupon_period ON invoices;
CREATE TRIGGER invoices_count_coupon_period AFTER INSERT ON invoices
    FOR EACH ROW WHEN (NEW.kind IN ('subscription_create', 'renewal') AND NEW.line_items ? 'discount')
    EXECUTE FUNCTION billing_count_coupon_period();

-- An invoice total too small to charge (contract §11.3): 0, or under BILLING_MIN_CHARGE, iPaymu's
-- minimum (it refuses a smaller link, so such an invoice could never be paid). Whatever made it so
-- — a discount, a free or cheap plan — it is settled at once by billing_waive_charge; checkout,
-- renewal and plan change ask here. A credit pack is never waived: its purchase asks here to
-- refuse (db/functions/credit_packs.sql, contract §11.4).
DROP FUNCTION IF EXISTS billing_charge_waived(bigint, jsonb, bigint);
CREATE OR REPLACE FUNCTION billing_charge_waived(p_amount bigint, p_min_charge bigint)
RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT p_amount = 0 OR p_amount < coalesce(p_min_charge, 0)
$$;

-- Settles an invoice at once without a charge (charge_waived): a payment of provider 'waived',
-- paid through billing_mark_paid (db/functions/settlement_paid.sql) like any other payment, so
-- activation, credits, events, notifications and emails follow as they do for money; nothing
-- here says what "paid" means. The invoice keeps its composed amount (price − discount + tax:
-- what was billed); the payment records what was collected, 0, and the sum forgiven is in its
-- gateway_response and the log, so money received (paid payments) never counts it and a refund
-- has nothing to give back. The caller holds the subscription's row.
CREATE OR REPLACE FUNCTION billing_waive_charge(p_invoice_id uuid, p_now timestamptz)
RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    inv record;
    v_attempt integer;
    v_payment uuid;
    v_outcome text;
BEGIN
    SELECT * INTO inv FROM invoices WHERE id = p_invoice_id FOR UPDATE;
    SELECT coalesce(max(p.attempt_number), 0) + 1 INTO v_attempt FROM payments p WHERE p.invoice_id = inv.id;
    INSERT INTO payments (invoice_id, attempt_number, reference_id, amount, status, provider, customer_initiated,
                          created_at, updated_at)
    VALUES (inv.id, v_attempt, inv.invoice_number || '-' || v_attempt, 0, 'pending', 'waived', true, p_now, p_now)
    RETURNING id INTO v_payment;
    UPDATE invoices SET attempt_count = GREATEST(attempt_count, v_attempt), updated_at = p_now WHERE id = inv.id;
    SELECT m.outcome INTO v_outcome
      FROM billing_mark_paid(v_payment, NULL, 0, 0, p_now,
                             jsonb_build_object('charge_waived', true, 'waived_amount', inv.amount), p_now) m;
    IF v_outcome <> 'applied' THEN
        RAISE EXCEPTION 'waived charge of invoice % settled as %', inv.invoice_number, v_outcome;
    END IF;
    PERFORM log_billing_event('charge_waived', inv.subscription_id, inv.user_id, 'success',
            -- amount: what was collected (0), as on the payment; waived_amount: the sum forgiven.
            jsonb_build_object('invoice_id', inv.id, 'invoice_number', inv.invoice_number, 'amount', 0,
                               'waived_amount', inv.amount, 'payment_id', v_payment), NULL, p_now);
    RETURN v_outcome;
END $$;

-- Redeeming on the live subscription (POST /api/subscriptions/current/coupon): from its next
-- invoice on. Outcomes: those of billing_redeem_coupon, and no_subscription.
CREATE OR REPLACE FUNCTION billing_redeem_on_subscription(p_user_id text, p_code text, p_now timestamptz)
RETURNS TABLE (outcome text, subscription_id uuid, coupon_id uuid)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    s record;
    r record;
BEGIN
    SELECT x.id, x.plan_id INTO s FROM subscriptions x
     WHERE x.user_id = p_user_id AND x.status IN ('active', 'past_due', 'trialing') FOR UPDATE;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'no_subscription'::text, NULL::uuid, NULL::uuid;
        RETURN;
    END IF;
    SELECT * INTO r FROM billing_redeem_coupon(p_code, p_user_id, s.id, s.plan_id, p_now);
    RETURN QUERY SELECT r.outcome, s.id, r.coupon_id;
END $$;
