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
