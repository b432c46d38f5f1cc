-- The eight SQL functions named by the seed guide (SPEC §3), with the seed's parameter names so
-- the web app can keep calling them through supabase.rpc. Each has an optional trailing p_now:
-- the service passes its own clock (SPEC §6.9); other callers get the database's now().

-- Formats whole rupiah the way the seed's messages do: IDR 149,000.
CREATE OR REPLACE FUNCTION format_idr(p_amount bigint) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT 'IDR ' || to_char(p_amount, 'FM999,999,999,999,999,990')
$$;

-- One credit change, atomically: the balance row is locked, the ledger row written with the
-- balance after the change. A repeated (user, type, kind, reference) returns the first row and
-- changes nothing (created = false). Consuming more than the balance raises SQLSTATE BC409.
CREATE OR REPLACE FUNCTION apply_credit_change_ex(
    p_user_id text, p_credit_type text, p_kind text, p_amount bigint,
    p_reference_id text, p_description text, p_now timestamptz DEFAULT now())
RETURNS TABLE (transaction_id uuid, created boolean, balance_after bigint)
LANGUAGE plpgsql AS $$
DECLARE
    v_old bigint;
    v_new bigint;
    v_id  uuid;
    v_after bigint;
BEGIN
    IF p_amount IS NULL OR p_amount < 0 THEN
        RAISE EXCEPTION 'credit amount must be a non-negative whole number' USING ERRCODE = '22023';
    END IF;

    INSERT INTO credit_balances (user_id, credit_type, balance, updated_at)
    VALUES (p_user_id, p_credit_type, 0, p_now)
    ON CONFLICT (user_id, credit_type) DO NOTHING;

    SELECT b.balance INTO v_old FROM credit_balances b
     WHERE b.user_id = p_user_id AND b.credit_type = p_credit_type
       FOR UPDATE;

    -- Checked under the balance lock, so two concurrent repeats cannot both pass.
    IF p_reference_id IS NOT NULL THEN
        SELECT t.id, t.balance_after INTO v_id, v_after FROM credit_transactions t
         WHERE t.user_id = p_user_id AND t.credit_type = p_credit_type
           AND t.kind = p_kind AND t.reference_id = p_reference_id;
        IF FOUND THEN
            RETURN QUERY SELECT v_id, false, v_after;
            RETURN;
        END IF;
    END IF;

    v_new := CASE p_kind
                 WHEN 'reset'   THEN p_amount
                 WHEN 'add'     THEN v_old + p_amount
                 WHEN 'consume' THEN v_old - p_amount
             END;
    IF v_new IS NULL THEN
        RAISE EXCEPTION 'unknown credit change kind %', p_kind USING ERRCODE = '22023';
    END IF;
    IF v_new < 0 THEN
        RAISE EXCEPTION 'insufficient credits: balance %, requested %', v_old, p_amount
            USING ERRCODE = 'BC409';
    END IF;

    UPDATE credit_balances SET balance = v_new, updated_at = p_now
     WHERE user_id = p_user_id AND credit_type = p_credit_type;

    INSERT INTO credit_transactions
        (user_id, credit_type, kind, amount, balance_after, reference_id, description, created_at)
    VALUES (p_user_id, p_credit_type, p_kind, v_new - v_old, v_new, p_reference_id, p_description, p_now)
    RETURNING id INTO v_id;
    RETURN QUERY SELECT v_id, true, v_new;
END $$;

CREATE OR REPLACE FUNCTION apply_credit_change(
    p_user_id text, p_credit_type text, p_kind text, p_amount bigint,
    p_reference_id text, p_description text, p_now timestamptz DEFAULT now())
RETURNS uuid
LANGUAGE sql AS $$
    SELECT transaction_id FROM apply_credit_change_ex(p_user_id, p_credit_type, p_kind, p_amount,
                                                      p_reference_id, p_description, p_now)
$$;

-- Sets the interaction balance to p_amount (interaction credits reset each period).
CREATE OR REPLACE FUNCTION reset_interaction_credits(
    p_user_id text, p_amount bigint, p_reference_id text DEFAULT NULL,
    p_description text DEFAULT 'Interaction credits reset', p_now timestamptz DEFAULT now())
RETURNS uuid
LANGUAGE sql AS $$
    SELECT apply_credit_change(p_user_id, 'interaction', 'reset', p_amount, p_reference_id,
                               coalesce(p_description, 'Interaction credits reset'), p_now)
$$;

-- Adds p_amount to the scraper balance (scraper credits accumulate).
CREATE OR REPLACE FUNCTION add_scraper_credits(
    p_user_id text, p_amount bigint, p_reference_id text DEFAULT NULL,
    p_description text DEFAULT 'Scraper credits added', p_now timestamptz DEFAULT now())
RETURNS uuid
LANGUAGE sql AS $$
    SELECT apply_credit_change(p_user_id, 'scraper', 'add', p_amount, p_reference_id,
                               coalesce(p_description, 'Scraper credits added'), p_now)
$$;

CREATE OR REPLACE FUNCTION get_credit_balance(p_user_id text, p_credit_type text)
RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT balance FROM credit_balances
                      WHERE user_id = p_user_id AND credit_type = p_credit_type), 0)
$$;

CREATE OR REPLACE FUNCTION log_billing_event(
    p_event_type text, p_subscription_id uuid, p_user_id text, p_status text,
    p_details jsonb DEFAULT '{}'::jsonb, p_error_message text DEFAULT NULL,
    p_now timestamptz DEFAULT now())
RETURNS uuid
LANGUAGE sql AS $$
    INSERT INTO billing_logs (event_type, subscription_id, user_id, status, details, error_message, created_at)
    VALUES (p_event_type, p_subscription_id, p_user_id, p_status,
            coalesce(p_details, '{}'::jsonb), p_error_message, p_now)
    RETURNING id
$$;

-- Due (SPEC §4.3): active, the current period ends before the end of the check date (UTC), and
-- no invoice exists yet for the next period. p_after/p_limit page through a large day by id.
CREATE OR REPLACE FUNCTION get_subscriptions_due_for_renewal(
    p_check_date date, p_after uuid DEFAULT NULL, p_limit integer DEFAULT NULL)
RETURNS TABLE (
    subscription_id uuid, user_id text, plan_id uuid, plan_name text, price bigint,
    interaction_credits bigint, scraper_credits bigint, billing_anchor timestamptz,
    current_period_start timestamptz, current_period_end timestamptz, cancel_at_period_end boolean)
LANGUAGE sql STABLE AS $$
    SELECT s.id, s.user_id, s.plan_id, p.name, p.price, p.interaction_credits, p.scraper_credits,
           s.billing_anchor, s.current_period_start, s.current_period_end, s.cancel_at_period_end
      FROM subscriptions s
      JOIN subscription_plans p ON p.id = s.plan_id
     WHERE s.status = 'active'
       AND s.current_period_end < ((p_check_date + 1)::timestamp AT TIME ZONE 'UTC')
       AND (p_after IS NULL OR s.id > p_after)
       AND NOT EXISTS (SELECT 1 FROM invoices i
                        WHERE i.subscription_id = s.id AND i.period_start = s.current_period_end)
     ORDER BY s.id
     LIMIT p_limit
$$;

-- Retries whose date falls on or before the check date (UTC) and that are still pending.
CREATE OR REPLACE FUNCTION get_subscriptions_with_pending_retries(
    p_check_date date, p_after uuid DEFAULT NULL, p_limit integer DEFAULT NULL)
RETURNS TABLE (
    retry_id uuid, subscription_id uuid, user_id text, invoice_id uuid, attempt_number integer,
    retry_date timestamptz, plan_name text, price bigint)
LANGUAGE sql STABLE AS $$
    SELECT r.id, r.subscription_id, s.user_id, r.invoice_id, r.attempt_number, r.retry_date,
           p.name, i.amount
      FROM payment_retries r
      JOIN subscriptions s ON s.id = r.subscription_id
      JOIN subscription_plans p ON p.id = s.plan_id
      JOIN invoices i ON i.id = r.invoice_id
     WHERE r.status = 'pending'
       AND r.retry_date < ((p_check_date + 1)::timestamp AT TIME ZONE 'UTC')
       AND (p_after IS NULL OR r.id > p_after)
     ORDER BY r.id
     LIMIT p_limit
$$;

-- Schedules retry p_attempt_number for the subscription's open invoice (or p_invoice_id).
-- A second call for the same (invoice, attempt) returns the existing retry's id.
CREATE OR REPLACE FUNCTION schedule_payment_retry(
    p_subscription_id uuid, p_attempt_number integer, p_retry_date timestamptz,
    p_invoice_id uuid DEFAULT NULL, p_now timestamptz DEFAULT now())
RETURNS uuid
LANGUAGE plpgsql AS $$
DECLARE
    v_invoice uuid := p_invoice_id;
    v_id uuid;
BEGIN
    IF v_invoice IS NULL THEN
        SELECT id INTO v_invoice FROM invoices
         WHERE subscription_id = p_subscription_id AND status IN ('pending', 'failed')
         ORDER BY period_start DESC LIMIT 1;
        IF v_invoice IS NULL THEN
            RAISE EXCEPTION 'subscription % has no open invoice to retry', p_subscription_id
                USING ERRCODE = 'P0002';
        END IF;
    END IF;

    INSERT INTO payment_retries (subscription_id, invoice_id, attempt_number, retry_date, status,
                                 created_at, updated_at)
    VALUES (p_subscription_id, v_invoice, p_attempt_number, p_retry_date, 'pending', p_now, p_now)
    ON CONFLICT (invoice_id, attempt_number) DO NOTHING
    RETURNING id INTO v_id;

    IF v_id IS NULL THEN
        SELECT id INTO v_id FROM payment_retries
         WHERE invoice_id = v_invoice AND attempt_number = p_attempt_number;
    END IF;
    RETURN v_id;
END $$;

-- Cancels a subscription: status, reason and time; its open invoices become cancelled and its
-- pending retries are closed. Canceling a canceled subscription changes nothing.
CREATE OR REPLACE FUNCTION cancel_subscription(
    p_subscription_id uuid, p_reason text, p_now timestamptz DEFAULT now())
RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE subscriptions
       SET status = 'canceled', canceled_at = p_now, cancel_reason = p_reason, updated_at = p_now
     WHERE id = p_subscription_id AND status <> 'canceled';
    IF NOT FOUND THEN
        RETURN false;
    END IF;

    UPDATE invoices SET status = 'cancelled', updated_at = p_now
     WHERE subscription_id = p_subscription_id AND status IN ('pending', 'failed');
    UPDATE payment_retries SET status = 'cancelled', updated_at = p_now
     WHERE subscription_id = p_subscription_id AND status IN ('pending', 'in_progress');
    RETURN true;
END $$;
