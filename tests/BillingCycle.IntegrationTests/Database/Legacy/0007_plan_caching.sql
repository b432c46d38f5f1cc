-- Speed of the 1st of the month (docs/performance.md). pg_stat_statements showed two costs:
--
-- 1. SQL-language functions that write (INSERT/UPDATE) are never inlined, and PostgreSQL 15
--    plans their statements again on every call. On the hot paths (a renewal's notification and
--    log, a payment's two credit grants and its log) that planning cost more than the work.
--    PL/pgSQL caches its plans per connection, so the same functions are redefined in PL/pgSQL:
--    same names, same parameters, same results — the SPEC's interface does not change.
-- 2. The callback's payment lookup had no index on session_id (see BillingStore.FindPaymentAsync).

CREATE INDEX IF NOT EXISTS payments_session_idx ON payments (session_id) WHERE session_id IS NOT NULL;

CREATE OR REPLACE FUNCTION log_billing_event(
    p_event_type text, p_subscription_id uuid, p_user_id text, p_status text,
    p_details jsonb DEFAULT '{}'::jsonb, p_error_message text DEFAULT NULL,
    p_now timestamptz DEFAULT now())
RETURNS uuid
LANGUAGE plpgsql AS $$
DECLARE
    v_id uuid;
BEGIN
    INSERT INTO billing_logs (event_type, subscription_id, user_id, status, details, error_message, created_at)
    VALUES (p_event_type, p_subscription_id, p_user_id, p_status,
            coalesce(p_details, '{}'::jsonb), p_error_message, p_now)
    RETURNING id INTO v_id;
    RETURN v_id;
END $$;

CREATE OR REPLACE FUNCTION apply_credit_change(
    p_user_id text, p_credit_type text, p_kind text, p_amount bigint,
    p_reference_id text, p_description text, p_now timestamptz DEFAULT now())
RETURNS uuid
LANGUAGE plpgsql AS $$
DECLARE
    v_id uuid;
BEGIN
    SELECT c.transaction_id INTO v_id
      FROM apply_credit_change_ex(p_user_id, p_credit_type, p_kind, p_amount, p_reference_id, p_description, p_now) c;
    RETURN v_id;
END $$;

-- Sets the interaction balance to p_amount (interaction credits reset each period).
CREATE OR REPLACE FUNCTION reset_interaction_credits(
    p_user_id text, p_amount bigint, p_reference_id text DEFAULT NULL,
    p_description text DEFAULT 'Interaction credits reset', p_now timestamptz DEFAULT now())
RETURNS uuid
LANGUAGE plpgsql AS $$
BEGIN
    RETURN apply_credit_change(p_user_id, 'interaction', 'reset', p_amount, p_reference_id,
                               coalesce(p_description, 'Interaction credits reset'), p_now);
END $$;

-- Adds p_amount to the scraper balance (scraper credits accumulate).
CREATE OR REPLACE FUNCTION add_scraper_credits(
    p_user_id text, p_amount bigint, p_reference_id text DEFAULT NULL,
    p_description text DEFAULT 'Scraper credits added', p_now timestamptz DEFAULT now())
RETURNS uuid
LANGUAGE plpgsql AS $$
BEGIN
    RETURN apply_credit_change(p_user_id, 'scraper', 'add', p_amount, p_reference_id,
                               coalesce(p_description, 'Scraper credits added'), p_now);
END $$;

-- Everything the gateway call for one payment attempt needs. VOLATILE: called right after the
-- statement that inserted the payment, each of its queries takes a fresh snapshot to see it.
CREATE OR REPLACE FUNCTION billing_payment_work(p_payment_ids uuid[])
RETURNS TABLE (
    payment_id uuid, reference_id text, amount bigint, attempt_number integer, invoice_id uuid,
    invoice_number text, subscription_id uuid, user_id text, plan_name text, buyer_email text,
    buyer_name text, buyer_phone text, period_start timestamptz, period_end timestamptz)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    RETURN QUERY
    SELECT p.id, p.reference_id, p.amount, p.attempt_number, i.id, i.invoice_number, i.subscription_id,
           i.user_id, coalesce(i.line_items->>'plan_name', pl.name), u.email, u.full_name, u.phone,
           i.period_start, i.period_end
      FROM payments p
      JOIN invoices i ON i.id = p.invoice_id
      JOIN subscriptions s ON s.id = i.subscription_id
      JOIN subscription_plans pl ON pl.id = s.plan_id
      LEFT JOIN users u ON u.id = i.user_id
     WHERE p.id = ANY (p_payment_ids);
END $$;

CREATE OR REPLACE FUNCTION billing_learn_transaction(p_payment_id uuid, p_transaction_id text, p_now timestamptz)
RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE payments SET transaction_id = p_transaction_id, updated_at = p_now
     WHERE id = p_payment_id AND transaction_id IS NULL
       AND NOT EXISTS (SELECT 1 FROM payments o WHERE o.transaction_id = p_transaction_id);
    RETURN FOUND;
END $$;
