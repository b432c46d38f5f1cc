-- Credits (SPEC §4.11): every change is one ledger row written under the balance row's lock.
-- reset_interaction_credits, add_scraper_credits and get_credit_balance are the seed's names
-- (SPEC §3), callable by the web app through supabase.rpc; credits_apply is the API's one call.
-- Each function lives in exactly one file of db/functions/; the migrator re-applies a file when
-- it changes (docs/architecture.md, "Where a change goes").

-- One credit change, atomically: the balance row is locked, the ledger row written with the
-- balance after the change. A repeated (user, type, kind, reference) returns the first row and
-- changes nothing (created = false). Consuming more than the balance raises SQLSTATE BC409.
-- The row's seq and created_at are taken under the lock (SPEC §10.5): seq is the next number of
-- this ledger, and created_at never goes back from the previous row's, so newest-first by
-- (created_at, seq) chains balance_after even when concurrent requests took their clocks out of
-- lock order.
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
    v_seq bigint;
    v_last_at timestamptz;
    v_at timestamptz;
BEGIN
    IF p_amount IS NULL OR p_amount < 0 THEN
        RAISE EXCEPTION 'credit amount must be a non-negative whole number' USING ERRCODE = '22023';
    END IF;

    INSERT INTO credit_balances (user_id, credit_type, balance, updated_at)
    VALUES (p_user_id, p_credit_type, 0, p_now)
    ON CONFLICT (user_id, credit_type) DO NOTHING;

    SELECT b.balance, b.last_seq, b.updated_at INTO v_old, v_seq, v_last_at FROM credit_balances b
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

    v_seq := v_seq + 1;
    v_at := CASE WHEN v_seq > 1 THEN greatest(p_now, v_last_at) ELSE p_now END;
    UPDATE credit_balances SET balance = v_new, last_seq = v_seq, updated_at = v_at
     WHERE user_id = p_user_id AND credit_type = p_credit_type;

    INSERT INTO credit_transactions
        (user_id, credit_type, kind, amount, balance_after, reference_id, description, created_at, seq)
    VALUES (p_user_id, p_credit_type, p_kind, v_new - v_old, v_new, p_reference_id, p_description, v_at, v_seq)
    RETURNING id INTO v_id;
    RETURN QUERY SELECT v_id, true, v_new;
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

CREATE OR REPLACE FUNCTION get_credit_balance(p_user_id text, p_credit_type text)
RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT balance FROM credit_balances
                      WHERE user_id = p_user_id AND credit_type = p_credit_type), 0)
$$;

-- The credit endpoints' one-round-trip mutation: the change and its billing log in one
-- transaction. A replayed reference changes nothing and logs nothing.
CREATE OR REPLACE FUNCTION credits_apply(
    p_user_id text, p_credit_type text, p_kind text, p_amount bigint,
    p_reference_id text, p_description text, p_actor text, p_now timestamptz)
RETURNS TABLE (transaction_id uuid, new_balance bigint, replayed boolean)
LANGUAGE plpgsql AS $$
DECLARE
    r record;
BEGIN
    SELECT * INTO r FROM apply_credit_change_ex(p_user_id, p_credit_type, p_kind, p_amount,
                                                p_reference_id, p_description, p_now);
    IF r.created THEN
        PERFORM log_billing_event(
            CASE p_kind WHEN 'reset' THEN 'credit_reset' WHEN 'add' THEN 'credit_add' ELSE 'credit_consume' END,
            NULL, p_user_id, 'success',
            jsonb_build_object('credit_type', p_credit_type, 'amount', p_amount,
                               'transaction_id', r.transaction_id, 'reference_id', p_reference_id,
                               'actor', p_actor),
            NULL, p_now);
    END IF;
    RETURN QUERY SELECT r.transaction_id, r.balance_after, NOT r.created;
END $$;
