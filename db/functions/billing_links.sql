-- Payment attempts on their way to iPaymu: what the gateway call needs, the link it returned
-- (and the customer's notification), a deferral when iPaymu could not be asked, and the claim
-- of attempts a crash or an outage left without a link (contract §4.7, §4.9).
-- Each function lives in exactly one file of db/functions/; the migrator re-applies a file when
-- it changes (docs/architecture.md, "Where a change goes").

DROP FUNCTION IF EXISTS billing_payment_work(uuid[]);

-- Everything the gateway call for one payment attempt needs. VOLATILE: called right after the
-- statement that inserted the payment, each of its queries takes a fresh snapshot to see it.
CREATE OR REPLACE FUNCTION billing_payment_work(p_payment_ids uuid[])
RETURNS TABLE (
    payment_id uuid, reference_id text, amount bigint, attempt_number integer, invoice_id uuid,
    invoice_number text, subscription_id uuid, user_id text, plan_name text, buyer_email text,
    buyer_name text, buyer_phone text, period_start timestamptz, period_end timestamptz,
    invoice_kind text, retry_number integer, customer_initiated boolean, public_token text)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    RETURN QUERY
    SELECT p.id, p.reference_id, p.amount, p.attempt_number, i.id, i.invoice_number, i.subscription_id,
           i.user_id, coalesce(i.line_items->>'plan_name', i.line_items->>'pack_name', pl.name), u.email, u.full_name, u.phone,
           i.period_start, i.period_end, i.kind, p.retry_number, p.customer_initiated, i.public_token
      FROM payments p
      JOIN invoices i ON i.id = p.invoice_id
      -- A credit pack's invoice has no subscription (contract §11.4): its name is the pack's.
      LEFT JOIN subscriptions s ON s.id = i.subscription_id
      LEFT JOIN subscription_plans pl ON pl.id = s.plan_id
      LEFT JOIN users u ON u.id = i.user_id
     WHERE p.id = ANY (p_payment_ids);
END $$;

-- The links iPaymu returned for a batch of attempts, recorded in one transaction: each attempt
-- still pending without a session gets its link, its customer the "payment due" notification (not
-- for a link the customer asked for: pay now hands it over directly) and its billing log, written
-- by one UPDATE and two INSERT … SELECT. An attempt that moved on meanwhile (paid, failed, linked by
-- another run) is answered attached = false and left alone.
-- The commit does not wait for its WAL flush (synchronous_commit off, this transaction only): a
-- gateway slot is held until its link is recorded (Billing/Links/PaymentLinks.cs), so the flush
-- wait would set the pace of every iPaymu call. What a database crash could lose is the last
-- fraction of a second of links, never anything else: the invoice and attempt committed
-- durably before the call, and an attempt whose link is lost is an orphan that the next run
-- makes again with the same reference (a link already sent and paid still settles by that reference).
CREATE OR REPLACE FUNCTION billing_attach_sessions(
    p_payment_ids uuid[], p_session_ids text[], p_urls text[], p_expires_at timestamptz[],
    p_responses jsonb[], p_now timestamptz)
RETURNS TABLE (payment_id uuid, attached boolean)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    v_live uuid[];
    v_linked integer;
BEGIN
    PERFORM set_config('synchronous_commit', 'off', true);
    -- Locked by key alone, state checked outside the locking query (db/migrations/0008_point_lookups.sql).
    WITH l AS MATERIALIZED (
        SELECT p.id, p.status, p.session_id FROM payments p WHERE p.id = ANY (p_payment_ids) ORDER BY p.id FOR UPDATE)
    SELECT coalesce(array_agg(l.id), '{}') INTO v_live FROM l WHERE l.status = 'pending' AND l.session_id IS NULL;

    WITH given AS (
        SELECT g.id, g.session_id, g.url, g.expires_at, g.response
          FROM unnest(p_payment_ids, p_session_ids, p_urls, p_expires_at, p_responses)
               AS g(id, session_id, url, expires_at, response)
         WHERE g.id = ANY (v_live)
    ), linked AS (
        UPDATE payments p
           SET session_id = g.session_id, payment_url = g.url, expires_at = g.expires_at,
               gateway_response = g.response, updated_at = p_now, claimed_until = NULL
          FROM given g WHERE p.id = g.id
        RETURNING p.id
    ), w AS (
        SELECT w.*, coalesce(w.retry_number, 0) AS retry, g.url, g.expires_at, g.session_id AS session
          FROM billing_payment_work(v_live) w JOIN given g ON g.id = w.payment_id
    ), notified AS MATERIALIZED (
        SELECT notify(w.user_id, 'billing_payment_due',
               CASE WHEN w.invoice_kind = 'subscription_create' THEN 'checkout'
                    WHEN w.invoice_kind = 'plan_change' THEN 'upgrade'
                    WHEN w.retry = 0 THEN '' ELSE 'retry' END,
               jsonb_build_object('plan_name', w.plan_name, 'amount', notify_money(w.amount),
                                  'invoice_number', w.invoice_number, 'retry_number', w.retry),
               jsonb_build_object('payment_url', w.url, 'invoice_id', w.invoice_id, 'invoice_number', w.invoice_number,
                                  'amount', w.amount, 'payment_attempt', w.attempt_number, 'expires_at', w.expires_at)
               || CASE WHEN w.retry > 0 THEN jsonb_build_object('attempt_number', w.retry) ELSE '{}'::jsonb END,
               p_now) AS id
          FROM w WHERE NOT w.customer_initiated
         ORDER BY w.payment_id
    ), logged AS (
        INSERT INTO billing_logs (event_type, subscription_id, user_id, status, details, error_message, created_at)
        SELECT CASE WHEN w.retry = 0 THEN 'renewal' ELSE 'retry' END, w.subscription_id, w.user_id, 'pending',
               jsonb_build_object('action', 'payment_created', 'invoice_id', w.invoice_id, 'payment_id', w.payment_id,
                                  'payment_attempt', w.attempt_number, 'session_id', w.session, 'expires_at', w.expires_at,
                                  'invoice_kind', w.invoice_kind, 'customer_initiated', w.customer_initiated),
               NULL, p_now
          FROM w
    )
    -- notified is a SELECT (of notify()), which PostgreSQL runs only when the statement reads it.
    SELECT count(*) INTO v_linked FROM linked CROSS JOIN (SELECT count(*) FROM notified) n;
    RETURN QUERY SELECT g.id, g.id = ANY (v_live) FROM unnest(p_payment_ids) AS g(id);
END $$;

-- One attempt's link (pay now, checkout): a batch of one.
CREATE OR REPLACE FUNCTION billing_attach_session(
    p_payment_id uuid, p_session_id text, p_url text, p_expires_at timestamptz,
    p_response jsonb, p_now timestamptz)
RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
    RETURN (SELECT CASE WHEN a.attached THEN 'attached' ELSE 'stale' END
              FROM billing_attach_sessions(ARRAY[p_payment_id], ARRAY[p_session_id], ARRAY[p_url],
                                           ARRAY[p_expires_at], ARRAY[p_response], p_now) a);
END $$;

-- iPaymu could not be asked (contract §4.7): the attempts stay pending without a session, for the
-- next run; only the reason is noted. One statement for a batch.
CREATE OR REPLACE FUNCTION billing_defer_payments(p_payment_ids uuid[], p_reasons text[], p_now timestamptz)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    v_live uuid[];
BEGIN
    WITH l AS MATERIALIZED (
        SELECT p.id, p.status, p.session_id FROM payments p WHERE p.id = ANY (p_payment_ids) ORDER BY p.id FOR UPDATE)
    SELECT coalesce(array_agg(l.id), '{}') INTO v_live FROM l WHERE l.status = 'pending' AND l.session_id IS NULL;
    UPDATE payments p
       SET gateway_response = jsonb_build_object('deferred', g.reason, 'at', p_now), updated_at = p_now, claimed_until = NULL
      FROM unnest(p_payment_ids, p_reasons) AS g(id, reason)
     WHERE p.id = g.id AND g.id = ANY (v_live);
END $$;

CREATE OR REPLACE FUNCTION billing_defer_payment(p_payment_id uuid, p_reason text, p_now timestamptz)
RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM billing_defer_payments(ARRAY[p_payment_id], ARRAY[p_reason], p_now);
END $$;

-- Attempts that still need their iPaymu payment (a crash or an outage left them without a
-- session) and whose responsible run has ended are claimed by this run.
CREATE OR REPLACE FUNCTION billing_claim_orphans(p_run_id uuid, p_limit integer, p_retry_attempts boolean)
RETURNS SETOF uuid
LANGUAGE sql AS $$
    UPDATE payments p SET claim_run_id = p_run_id
     WHERE p.id IN (
        SELECT o.id FROM payments o
          JOIN invoices i ON i.id = o.invoice_id
         WHERE o.status = 'pending' AND o.session_id IS NULL
           AND i.status IN ('pending', 'failed')
           AND (coalesce(o.retry_number, 0) > 0) = p_retry_attempts
           AND (o.claimed_until IS NULL OR o.claimed_until <= clock_timestamp()) -- a customer's call in flight
           AND (o.claim_run_id IS NULL
                OR (o.claim_run_id <> p_run_id
                    AND NOT EXISTS (SELECT 1 FROM job_runs r WHERE r.id = o.claim_run_id AND r.status = 'running')))
         ORDER BY o.created_at
         LIMIT p_limit
           FOR UPDATE OF o SKIP LOCKED)
    RETURNING p.id
$$;
