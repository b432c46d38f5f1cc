-- Credits (contract §4.11): every change is one ledger row written under the balance row's lock.
-- reset_interaction_credits, add_scraper_credits and get_credit_balance are the seed's names
-- (contract §3), callable by the web app through supabase.rpc; credits_apply is the API's one call.
-- Each function lives in exactly one file of db/functions/; the migrator re-applies a file when
-- it changes (docs/architecture.md, "Where a change goes").

-- One credit change, atomically (billing's grants and the seed's functions): a batch of one of
-- credits_apply_many, the one place the ledger rule is written (the balance row locked, the
-- repeat check, the new balance, seq and created_at under the lock, contract §10.5), without a billing
-- log of its own (its caller logs the grant). A repeated (user, type, kind, reference) returns the
-- first row and changes nothing (created = false). Consuming more than the balance raises
-- SQLSTATE BC409.
CREATE OR REPLACE FUNCTION apply_credit_change_ex(
    p_user_id text, p_credit_type text, p_kind text, p_amount bigint,
    p_reference_id text, p_description text, p_now timestamptz DEFAULT now())
RETURNS TABLE (transaction_id uuid, created boolean, balance_after bigint)
LANGUAGE plpgsql AS $$
DECLARE
    r record;
BEGIN
    SELECT * INTO r FROM credits_apply_many(p_user_id, p_credit_type, ARRAY[p_kind], ARRAY[p_amount], ARRAY[p_reference_id],
                                            ARRAY[p_description], ARRAY[NULL::text], ARRAY[p_now]) m;
    IF r.refused = 'insufficient' THEN
        RAISE EXCEPTION 'insufficient credits: balance %, requested %', r.new_balance, p_amount USING ERRCODE = 'BC409';
    END IF;
    RETURN QUERY SELECT r.transaction_id, NOT r.replayed, r.new_balance;
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

-- The credit endpoints' changes to ONE balance (user, credit type), applied in the order given
-- under one lock of the balance row, in one transaction: a hot balance (one customer's jobs
-- spending it from many workers) pays one lock wait and one commit for a whole batch of changes
-- instead of one each (Credits/BalanceBatches.cs gathers them). Each change is still its own
-- ledger row (its seq and created_at taken under the lock, contract §10.5) with its own billing log;
-- the ledger rows and the logs of the batch are written by one INSERT … SELECT each, and the
-- balance by one UPDATE. A repeated (kind, reference) — in the ledger or earlier in the batch — is
-- answered with the first row and changes nothing (replayed); a consume the balance cannot cover
-- is refused ('insufficient') and changes nothing, without failing the others. A change without an
-- actor (apply_credit_change_ex: billing's grants, logged by their caller) writes no billing log.
-- This is the one statement of the ledger rule: every other credit function calls it.
CREATE OR REPLACE FUNCTION credits_apply_many(
    p_user_id text, p_credit_type text, p_kinds text[], p_amounts bigint[], p_reference_ids text[],
    p_descriptions text[], p_actors text[], p_nows timestamptz[])
RETURNS TABLE (transaction_id uuid, new_balance bigint, replayed boolean, refused text)
LANGUAGE plpgsql AS $$
DECLARE
    v_balance bigint;
    v_seq bigint;
    v_last_at timestamptz;
    v_at timestamptz;
    v_new bigint;
    v_id uuid;
    v_after bigint;
    v_n integer := coalesce(cardinality(p_kinds), 0);
    v_written integer[] := '{}';
    w_id uuid[] := '{}';
    w_amount bigint[] := '{}';
    w_after bigint[] := '{}';
    w_at timestamptz[] := '{}';
    w_seq bigint[] := '{}';
BEGIN
    IF EXISTS (SELECT 1 FROM unnest(p_amounts) a WHERE a IS NULL OR a < 0) THEN
        RAISE EXCEPTION 'credit amount must be a non-negative whole number' USING ERRCODE = '22023';
    END IF;
    INSERT INTO credit_balances (user_id, credit_type, balance, updated_at)
    VALUES (p_user_id, p_credit_type, 0, p_nows[1])
    ON CONFLICT (user_id, credit_type) DO NOTHING;
    SELECT b.balance, b.last_seq, b.updated_at INTO v_balance, v_seq, v_last_at FROM credit_balances b
     WHERE b.user_id = p_user_id AND b.credit_type = p_credit_type
       FOR UPDATE;

    FOR i IN 1 .. v_n LOOP
        -- A repeat, checked under the balance lock: in the ledger, or earlier in this batch.
        IF p_reference_ids[i] IS NOT NULL THEN
            SELECT t.id, t.balance_after INTO v_id, v_after FROM credit_transactions t
             WHERE t.user_id = p_user_id AND t.credit_type = p_credit_type
               AND t.kind = p_kinds[i] AND t.reference_id = p_reference_ids[i];
            IF NOT FOUND THEN
                SELECT w_id[k], w_after[k] INTO v_id, v_after
                  FROM generate_subscripts(v_written, 1) k
                 WHERE p_kinds[v_written[k]] = p_kinds[i] AND p_reference_ids[v_written[k]] = p_reference_ids[i];
            END IF;
            IF v_id IS NOT NULL THEN
                transaction_id := v_id; new_balance := v_after; replayed := true; refused := NULL;
                RETURN NEXT;
                CONTINUE;
            END IF;
        END IF;

        v_new := CASE p_kinds[i]
                     WHEN 'reset'   THEN p_amounts[i]
                     WHEN 'add'     THEN v_balance + p_amounts[i]
                     WHEN 'consume' THEN v_balance - p_amounts[i]
                     -- A refund takes back what its invoice granted, but never more than is left
                     -- (contract §13.2): the customer may have spent it already.
                     WHEN 'revoke'  THEN greatest(v_balance - p_amounts[i], 0)
                 END;
        IF v_new IS NULL THEN
            RAISE EXCEPTION 'unknown credit change kind %', p_kinds[i] USING ERRCODE = '22023';
        END IF;
        IF v_new < 0 THEN
            transaction_id := NULL; new_balance := v_balance; replayed := false; refused := 'insufficient';
            RETURN NEXT;
            CONTINUE;
        END IF;

        v_seq := v_seq + 1;
        v_at := CASE WHEN v_seq > 1 THEN greatest(p_nows[i], v_last_at) ELSE p_nows[i] END;
        v_id := gen_random_uuid();
        v_written := v_written || i;
        w_id := w_id || v_id;
        w_amount := w_amount || (v_new - v_balance);
        w_after := w_after || v_new;
        w_at := w_at || v_at;
        w_seq := w_seq || v_seq;
        v_balance := v_new;
        v_last_at := v_at;
        transaction_id := v_id; new_balance := v_new; replayed := false; refused := NULL;
        RETURN NEXT;
    END LOOP;

    IF cardinality(v_written) > 0 THEN
        UPDATE credit_balances SET balance = v_balance, last_seq = v_seq, updated_at = v_last_at
         WHERE user_id = p_user_id AND credit_type = p_credit_type;
        INSERT INTO credit_transactions
            (id, user_id, credit_type, kind, amount, balance_after, reference_id, description, created_at, seq)
        SELECT w.id, p_user_id, p_credit_type, p_kinds[w.i], w.amount, w.after, p_reference_ids[w.i], p_descriptions[w.i], w.at, w.seq
          FROM unnest(v_written, w_id, w_amount, w_after, w_at, w_seq) AS w(i, id, amount, after, at, seq)
         ORDER BY w.seq;
        INSERT INTO billing_logs (event_type, subscription_id, user_id, status, details, error_message, created_at)
        SELECT CASE p_kinds[w.i] WHEN 'reset' THEN 'credit_reset' WHEN 'add' THEN 'credit_add'
                                 WHEN 'revoke' THEN 'credit_revoke' ELSE 'credit_consume' END,
               NULL, p_user_id, 'success',
               jsonb_build_object('credit_type', p_credit_type, 'amount', p_amounts[w.i], 'transaction_id', w.id,
                                  'reference_id', p_reference_ids[w.i], 'actor', p_actors[w.i]),
               NULL, p_nows[w.i]
          FROM unnest(v_written, w_id) AS w(i, id)
         WHERE p_actors[w.i] IS NOT NULL;
    END IF;
END $$;

-- One change with its billing log (the Idempotency-Key path, in the key's transaction): a batch
-- of one. A consume the balance cannot cover raises SQLSTATE BC409, as it always did.
CREATE OR REPLACE FUNCTION credits_apply(
    p_user_id text, p_credit_type text, p_kind text, p_amount bigint,
    p_reference_id text, p_description text, p_actor text, p_now timestamptz)
RETURNS TABLE (transaction_id uuid, new_balance bigint, replayed boolean)
LANGUAGE plpgsql AS $$
DECLARE
    r record;
BEGIN
    SELECT * INTO r FROM credits_apply_many(p_user_id, p_credit_type, ARRAY[p_kind], ARRAY[p_amount], ARRAY[p_reference_id],
                                            ARRAY[p_description], ARRAY[p_actor], ARRAY[p_now]) m;
    IF r.refused = 'insufficient' THEN
        RAISE EXCEPTION 'insufficient credits: balance %, requested %', r.new_balance, p_amount USING ERRCODE = 'BC409';
    END IF;
    RETURN QUERY SELECT r.transaction_id, r.new_balance, r.replayed;
END $$;
