-- Money that moves outside iPaymu (contract §13): payments an operator records, refunds and their
-- credit notes. The rules that use these columns live in db/functions/manual_payments.sql and
-- db/functions/refunds.sql.

-- Widens a CHECK of the form "col = ANY (ARRAY[...])" by the given values, keeping whatever other
-- branches have added to it meanwhile (other migrations in this release add values to the same
-- checks, so a fixed list here would drop theirs). Idempotent. Dropped at the end of this file.
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

-- Who took the money: iPaymu, or an operator who saw it arrive elsewhere (a bank transfer, cash).
ALTER TABLE payments ADD COLUMN IF NOT EXISTS provider text NOT NULL DEFAULT 'ipaymu';
ALTER TABLE payments DROP CONSTRAINT IF EXISTS payments_provider_check;
ALTER TABLE payments ADD CONSTRAINT payments_provider_check CHECK (provider IN ('ipaymu', 'manual'));
-- What the operator recorded for a manual payment: {method, reference, note, recorded_by}.
ALTER TABLE payments ADD COLUMN IF NOT EXISTS manual_details jsonb;
ALTER TABLE payments DROP CONSTRAINT IF EXISTS payments_manual_details_check;
ALTER TABLE payments ADD CONSTRAINT payments_manual_details_check CHECK ((provider = 'manual') = (manual_details IS NOT NULL));

-- Refunded so far. The limit is this constraint, checked by the UPDATE that grows it under the
-- invoice's row lock: concurrent refunds queue on the row and the one that would pass the amount
-- fails here, whatever the code above it checked (contract §13.2).
ALTER TABLE invoices ADD COLUMN IF NOT EXISTS refunded_amount bigint NOT NULL DEFAULT 0;
ALTER TABLE invoices DROP CONSTRAINT IF EXISTS invoices_refund_within_amount;
ALTER TABLE invoices ADD CONSTRAINT invoices_refund_within_amount CHECK (refunded_amount >= 0 AND refunded_amount <= amount);
SELECT pg_temp.widen_check('invoices', 'invoices_status_check', ARRAY['refunded']);
-- A refunded invoice was paid: it keeps its paid_at. Refunded exactly when fully refunded.
DO $$
DECLARE
    v_name text;
BEGIN
    SELECT c.conname INTO v_name FROM pg_constraint c
     WHERE c.conrelid = 'invoices'::regclass AND c.contype = 'c'
       AND pg_get_constraintdef(c.oid) = 'CHECK (((status = ''paid''::text) = (paid_at IS NOT NULL)))';
    IF v_name IS NOT NULL THEN
        EXECUTE format('ALTER TABLE invoices DROP CONSTRAINT %I', v_name);
    END IF;
END $$;
ALTER TABLE invoices DROP CONSTRAINT IF EXISTS invoices_paid_at_check;
ALTER TABLE invoices ADD CONSTRAINT invoices_paid_at_check CHECK ((status IN ('paid', 'refunded')) = (paid_at IS NOT NULL));
ALTER TABLE invoices DROP CONSTRAINT IF EXISTS invoices_refunded_status_check;
ALTER TABLE invoices ADD CONSTRAINT invoices_refunded_status_check
    CHECK ((status = 'refunded') = (refunded_amount > 0 AND refunded_amount = amount));

-- A refund's credits taken back (never below a zero balance: apply_credit_change_ex).
SELECT pg_temp.widen_check('credit_transactions', 'credit_transactions_kind_check', ARRAY['revoke']);
SELECT pg_temp.widen_check('events', 'events_type_check', ARRAY['invoice.refunded', 'credits.revoked']);

-- CN-YYYYMM-000001: numbered from their own sequence, never from the invoices'.
CREATE SEQUENCE IF NOT EXISTS credit_note_number_seq;
CREATE TABLE IF NOT EXISTS credit_notes (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    credit_note_number  text NOT NULL UNIQUE,
    invoice_id          uuid NOT NULL REFERENCES invoices (id),
    user_id             text NOT NULL REFERENCES users (id),
    amount              bigint NOT NULL CHECK (amount > 0),
    tax_amount          bigint NOT NULL CHECK (tax_amount >= 0 AND tax_amount <= amount),
    reason              text NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
    created_by          text NOT NULL,
    revoke_credits      boolean NOT NULL DEFAULT false,
    cancel_subscription boolean NOT NULL DEFAULT false,
    created_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS credit_notes_invoice_idx ON credit_notes (invoice_id);
CREATE INDEX IF NOT EXISTS credit_notes_user_idx ON credit_notes (user_id, created_at DESC);
-- The month's credit notes (the export, the tax page).
CREATE INDEX IF NOT EXISTS credit_notes_created_idx ON credit_notes (created_at, credit_note_number);
ALTER TABLE credit_notes ENABLE ROW LEVEL SECURITY;
DROP FUNCTION pg_temp.widen_check(regclass, text, text[]);
