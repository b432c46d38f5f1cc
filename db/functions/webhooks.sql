-- iPaymu callbacks are stored before anything acts on them (contract §5).
-- Each function lives in exactly one file of db/functions/; the migrator re-applies a file when
-- it changes (docs/architecture.md, "Where a change goes").

-- Storing a callback without waiting for its own WAL flush (docs/performance.md).
--
-- contract §5: the service never answers 200 for an event it failed to store. Every path that
-- answers 200 ends with the synchronous commit that records the event's outcome (and, when a
-- payment is applied, the synchronous commit of billing_mark_paid before it). WAL is flushed in
-- order, so that later flush makes this earlier row durable too before iPaymu hears 200. If the
-- server crashes in between, nothing was answered and iPaymu sends the callback again. So the
-- insert itself need not wait for the disk: one fewer flush wait per callback.
CREATE OR REPLACE FUNCTION store_webhook_event(
    p_received_at timestamptz, p_transaction_id text, p_reference_id text, p_status_code text,
    p_content_type text, p_payload jsonb)
RETURNS uuid
LANGUAGE plpgsql AS $$
DECLARE
    v_id uuid;
BEGIN
    PERFORM set_config('synchronous_commit', 'off', true);  -- this transaction only
    INSERT INTO webhook_events (received_at, transaction_id, reference_id, status_code, content_type, payload)
    VALUES (p_received_at, p_transaction_id, p_reference_id, p_status_code, p_content_type, p_payload)
    RETURNING id INTO v_id;
    RETURN v_id;
END $$;
