-- Coupons (contract §11.3): the codes admins create and the redemptions customers make. The
-- rules that use them live in db/functions/coupons.sql (redeeming, the discount of an invoice,
-- settling a waived charge).

-- Widens a CHECK of the form "col = ANY (ARRAY[...])" by the given values, keeping whatever other
-- branches have added to it meanwhile (as 0070_refunds.sql does). Idempotent; temporary.
CREATE OR REPLACE FUNCTION pg_temp.widen_check(p_table regclass, p_name text, p_values text[])
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    v_def text;
    v_value text;
    v_add text := '';
BEGIN
    SELECT pg_get_constraintdef(c.oid) INTO v_def FROM pg_constraint c
     WHERE c.conrelid = p_table AND c.conname = p_name;
    IF v_def IS NULL OR position('ARRAY[' IN v_def) = 0 THEN
        RAISE EXCEPTION 'constraint % on % is not a list check: %', p_name, p_table, v_def;
    END IF;
    FOREACH v_value IN ARRAY p_values LOOP
        IF position(quote_literal(v_value) || '::text' IN v_def) = 0 THEN
            v_add := v_add || quote_literal(v_value) || '::text, ';
        END IF;
    END LOOP;
    IF v_add = '' THEN
        RETURN;
    END IF;
    EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', p_table, p_name);
    EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I %s', p_table, p_name, replace(v_def, 'ARRAY[', 'ARRAY[' || v_add));
END $$;

-- times_redeemed is the counter max_redemptions is held by: the redeeming UPDATE adds one only
-- WHERE times_redeemed < max_redemptions, under the row's lock, so concurrent redemptions queue
-- on the row and the ones past the limit find it full; the CHECK is the floor under that guard.
CREATE TABLE IF NOT EXISTS coupons (
    id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    code                 text NOT NULL CHECK (length(code) BETWEEN 1 AND 64 AND code !~ '[[:cntrl:]]'),
    name                 text NOT NULL CHECK (length(name) BETWEEN 1 AND 200 AND name !~ '[[:cntrl:]]'),
    percent_off          integer CHECK (percent_off BETWEEN 1 AND 100),
    amount_off           bigint CHECK (amount_off > 0),
    duration             text NOT NULL CHECK (duration IN ('once', 'repeating', 'forever')),
    duration_in_periods  integer CHECK (duration_in_periods > 0),
    max_redemptions      integer CHECK (max_redemptions > 0),
    times_redeemed       integer NOT NULL DEFAULT 0,
    redeem_by            timestamptz,
    plan_ids             uuid[],
    is_active            boolean NOT NULL DEFAULT true,
    created_at           timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT coupons_one_kind_of_discount CHECK ((percent_off IS NULL) <> (amount_off IS NULL)),
    CONSTRAINT coupons_periods_for_repeating CHECK ((duration = 'repeating') = (duration_in_periods IS NOT NULL)),
    CONSTRAINT coupons_within_max_redemptions
        CHECK (times_redeemed >= 0 AND (max_redemptions IS NULL OR times_redeemed <= max_redemptions))
);
CREATE UNIQUE INDEX IF NOT EXISTS coupons_code_key ON coupons (lower(code));
ALTER TABLE coupons ENABLE ROW LEVEL SECURITY;

-- One redemption per (coupon, user), ever; at most one running per subscription (a new one
-- replaces it: ended_at). periods_used counts the period invoices it discounted;
-- last_period_start is the period it last discounted, which a plan change in that period takes.
CREATE TABLE IF NOT EXISTS coupon_redemptions (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    coupon_id          uuid NOT NULL REFERENCES coupons (id),
    user_id            text NOT NULL REFERENCES users (id),
    subscription_id    uuid NOT NULL REFERENCES subscriptions (id),
    periods_used       integer NOT NULL DEFAULT 0 CHECK (periods_used >= 0),
    last_period_start  timestamptz,
    ended_at           timestamptz,
    created_at         timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT coupon_redemptions_once_per_user UNIQUE (coupon_id, user_id)
);
CREATE UNIQUE INDEX IF NOT EXISTS coupon_redemptions_one_running
    ON coupon_redemptions (subscription_id) WHERE ended_at IS NULL;
ALTER TABLE coupon_redemptions ENABLE ROW LEVEL SECURITY;

-- An invoice settled without a charge (contract §11.3, charge_waived) is paid by a payment of
-- this provider through the one settlement path.
SELECT pg_temp.widen_check('payments', 'payments_provider_check', ARRAY['waived']);
DROP FUNCTION pg_temp.widen_check(regclass, text, text[]);
