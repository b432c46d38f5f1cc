-- Credit packs (contract §11.4): top-ups a customer buys once, outside any subscription. The rules
-- that use these columns live in db/functions/credit_packs.sql; a paid pack's credits are granted
-- by the one settlement path (db/functions/settlement_grant.sql).

CREATE TABLE IF NOT EXISTS credit_packs (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    credit_type text NOT NULL CHECK (credit_type IN ('interaction', 'scraper')),
    credits     bigint NOT NULL CHECK (credits > 0),
    price       bigint NOT NULL CHECK (price > 0 AND price <= 1000000000),
    is_active   boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS credit_packs_active_idx ON credit_packs (price) WHERE is_active;
ALTER TABLE credit_packs ENABLE ROW LEVEL SECURITY;

-- Widens a CHECK of the form "col = ANY (ARRAY[...])" by the given values, keeping whatever other
-- branches have added to it meanwhile (the same helper as 0070_refunds.sql; pg_temp, so it leaves
-- with this session).
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

-- A pack invoice belongs to no subscription (contract §3), and every other invoice to one.
SELECT pg_temp.widen_check('invoices', 'invoices_kind_check', ARRAY['credit_pack']);
ALTER TABLE invoices ALTER COLUMN subscription_id DROP NOT NULL;
ALTER TABLE invoices DROP CONSTRAINT IF EXISTS invoices_subscription_by_kind;
ALTER TABLE invoices ADD CONSTRAINT invoices_subscription_by_kind
    CHECK ((kind = 'credit_pack') = (subscription_id IS NULL));
-- A pack bills no period: its period is the instant it was bought (start = end). Every other
-- invoice keeps a period that ends after it starts.
DO $$
DECLARE
    v_name text;
BEGIN
    SELECT c.conname INTO v_name FROM pg_constraint c
     WHERE c.conrelid = 'invoices'::regclass AND c.contype = 'c'
       AND pg_get_constraintdef(c.oid) = 'CHECK ((period_end > period_start))';
    IF v_name IS NOT NULL THEN
        EXECUTE format('ALTER TABLE invoices DROP CONSTRAINT %I', v_name);
    END IF;
END $$;
ALTER TABLE invoices DROP CONSTRAINT IF EXISTS invoices_period_check;
ALTER TABLE invoices ADD CONSTRAINT invoices_period_check
    CHECK (period_end > period_start OR (kind = 'credit_pack' AND period_end = period_start));
-- The open pack invoices of a user are counted under the user's row lock (billing_buy_credit_pack).
CREATE INDEX IF NOT EXISTS invoices_open_packs_idx ON invoices (user_id)
    WHERE kind = 'credit_pack' AND status IN ('pending', 'failed');
DROP FUNCTION pg_temp.widen_check(regclass, text, text[]);
