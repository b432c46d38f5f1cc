-- The operator console (contract §9): the state only the console changes.
-- Each function lives in exactly one file of db/functions/; the migrator re-applies a file when
-- it changes (docs/architecture.md, "Where a change goes").

-- An operator resolves an oddity with a note: the resolution and its operator_action log in one
-- transaction. Answers 'resolved', 'already_resolved' (first note kept) or 'not_found' (no such
-- oddity). The oddity's own billing_logs row is left exactly as it was.
CREATE OR REPLACE FUNCTION console_resolve_oddity(
    p_log_id uuid, p_operator text, p_note text, p_now timestamptz)
RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    o record;
BEGIN
    SELECT l.id, l.subscription_id, l.user_id, l.details ->> 'kind' AS kind
      INTO o
      FROM billing_logs l
     WHERE l.id = p_log_id
       AND (l.event_type = 'payment_oddity' OR (l.event_type = 'webhook' AND l.status = 'error'));
    IF NOT FOUND THEN
        RETURN 'not_found';
    END IF;
    INSERT INTO oddity_resolutions (billing_log_id, resolved_by, note, resolved_at)
    VALUES (o.id, p_operator, p_note, p_now)
    ON CONFLICT (billing_log_id) DO NOTHING;
    IF NOT FOUND THEN
        RETURN 'already_resolved';
    END IF;
    PERFORM log_billing_event('operator_action', o.subscription_id, o.user_id, 'success',
            jsonb_build_object('operator_id', p_operator, 'action', 'resolve_oddity', 'reason', p_note,
                               'oddity_id', o.id, 'oddity_kind', o.kind),
            NULL, p_now);
    RETURN 'resolved';
END $$;
