-- A customer's own iPaymu call claims its attempt (db/migrations/0141_customer_claims.sql): until
-- the call's answer is recorded (billing_attach_sessions, billing_defer_payments clear it) orphan
-- recovery (billing_claim_orphans) leaves the attempt alone. The lease is real time, as the call's
-- time-outs are (contract §6.9), and longer than any call with its retries; it only matters when
-- the process died mid-call, and then the attempt is an orphan again once it ends.
CREATE OR REPLACE FUNCTION billing_claim_for_customer(p_payment_id uuid)
RETURNS void
LANGUAGE sql AS $$
    UPDATE payments SET claimed_until = clock_timestamp() + interval '5 minutes' WHERE id = p_payment_id
$$;
