-- Settlement: the open attempts reconciliation checks, and a transaction id learned on the way.
-- Each function lives in exactly one file of db/functions/; the migrator re-applies a file when
-- it changes (docs/architecture.md, "Where a change goes").

-- Open attempts to settle with iPaymu (contract §4.9): every pending attempt that iPaymu knows
-- (it has a session). Paged by (created_at, id); the caller decides which need a gateway call.
CREATE OR REPLACE FUNCTION billing_open_attempts(
    p_after_created timestamptz, p_after_id uuid, p_limit integer)
RETURNS TABLE (id uuid, invoice_id uuid, subscription_id uuid, user_id text, reference_id text, session_id text,
               transaction_id text, status text, amount bigint, created_at timestamptz, expires_at timestamptz)
LANGUAGE sql STABLE AS $$
    SELECT p.id, p.invoice_id, i.subscription_id, i.user_id, p.reference_id, p.session_id, p.transaction_id,
           p.status, p.amount, p.created_at, p.expires_at
      FROM payments p JOIN invoices i ON i.id = p.invoice_id
     WHERE p.status = 'pending' AND p.session_id IS NOT NULL
       AND (p_after_created IS NULL OR (p.created_at, p.id) > (p_after_created, p_after_id))
     ORDER BY p.created_at, p.id
     LIMIT p_limit
$$;

CREATE OR REPLACE FUNCTION billing_learn_transaction(p_payment_id uuid, p_transaction_id text, p_now timestamptz)
RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE payments SET transaction_id = p_transaction_id, updated_at = p_now
     WHERE id = p_payment_id AND transaction_id IS NULL
       AND NOT EXISTS (SELECT 1 FROM payments o WHERE o.transaction_id = p_transaction_id);
    RETURN FOUND;
END $$;
