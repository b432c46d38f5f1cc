-- Small helpers every area uses: the seed's money format, day counts in messages, and the
-- billing log writer (one of the seed's contract §3 functions).
-- Each function lives in exactly one file of db/functions/; the migrator re-applies a file when
-- it changes (docs/architecture.md, "Where a change goes").

-- Formats whole rupiah the way the seed's messages do: IDR 149,000.
CREATE OR REPLACE FUNCTION format_idr(p_amount bigint) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT 'IDR ' || to_char(p_amount, 'FM999,999,999,999,999,990')
$$;

CREATE OR REPLACE FUNCTION days_text(p_days integer) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT p_days || CASE WHEN p_days = 1 THEN ' day' ELSE ' days' END
$$;

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
