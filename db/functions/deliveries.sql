-- The outbox (contract §8.1, §8.2): every notification queues its email in the notification's own
-- transaction, and the delivery worker claims due rows without two workers taking the same one.
-- Each function lives in exactly one file of db/functions/; the migrator re-applies a file when
-- it changes (docs/architecture.md, "Where a change goes").

-- Whether this deployment sends on a channel (delivery_channels, written at start-up). No row: off.
-- PL/pgSQL: its plan is kept for the session (a SQL function with a subquery is planned at every event).
CREATE OR REPLACE FUNCTION deliveries_channel_enabled(p_channel text) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN coalesce((SELECT c.enabled FROM delivery_channels c WHERE c.channel = p_channel), false);
END $$;

-- Every notification, whoever writes it (a billing function, a reminder, the web app), gets its
-- email queued in the same transaction: it commits with the notification or not at all. It is
-- due at once, at the notification's own time (the billing clock that wrote it).
CREATE OR REPLACE FUNCTION deliveries_queue_email() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF deliveries_channel_enabled('email') THEN
        INSERT INTO deliveries (channel, notification_id, status, attempts, next_attempt_at, created_at, updated_at)
        VALUES ('email', NEW.id, 'pending', 0, NEW.created_at, NEW.created_at, NEW.created_at)
        ON CONFLICT (notification_id) WHERE notification_id IS NOT NULL DO NOTHING;
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER notifications_queue_email AFTER INSERT ON notifications
    FOR EACH ROW EXECUTE FUNCTION deliveries_queue_email();

-- A uuid from notification data, or NULL when the text is not one (data is free-form jsonb).
CREATE OR REPLACE FUNCTION deliveries_uuid_or_null(p_text text) RETURNS uuid
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN p_text ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN p_text::uuid END
$$;

-- A worker's claim: up to p_limit due rows of the channels it can send, oldest first and, on one
-- instant (a frozen test clock), in the order they were queued (seq); skipping rows another
-- worker holds (FOR UPDATE SKIP LOCKED), leased by moving next_attempt_at past the lease and
-- counting the attempt, all in one statement. Until the worker records the result no other
-- worker finds the row due; if the worker dies, the row is due again when the lease ends.
-- A row never tried is due whatever its time says: rows the web app writes carry the database's
-- now(), which a test clock (contract §6.9) may not have reached; the first try never waits.
-- p_now is transport time (contract §6.9: delivery back-off and the lease keep real time under
-- a frozen test clock), as is every next_attempt_at a retry or a lease writes.
-- Returns what the sender needs: for email the notification and its customer, for a webhook
-- the event.
CREATE OR REPLACE FUNCTION deliveries_claim(
    p_channels text[], p_now timestamptz, p_lease interval, p_limit integer)
RETURNS TABLE (
    id uuid, channel text, attempts integer, created_at timestamptz,
    notification_id uuid, notification_type text, title text, message text, data jsonb,
    notification_created_at timestamptz, user_id text, email text, full_name text,
    invoice_number text, invoice_amount bigint, period_start timestamptz, period_end timestamptz,
    plan_name text, plan_price bigint, subscription_period_end timestamptz,
    event_id uuid, event_type text, event_data jsonb, event_created_at timestamptz)
LANGUAGE sql AS $$
    WITH due AS (
        SELECT d.id
          FROM deliveries d
         WHERE d.status = 'pending' AND d.channel = ANY (p_channels)
           AND (d.attempts = 0 OR d.next_attempt_at <= p_now)
         ORDER BY d.next_attempt_at, d.seq
         LIMIT p_limit
           FOR UPDATE SKIP LOCKED),
    leased AS (
        UPDATE deliveries d
           SET attempts = d.attempts + 1, next_attempt_at = p_now + p_lease, updated_at = p_now
          FROM due
         WHERE d.id = due.id
        RETURNING d.id, d.channel, d.attempts, d.created_at, d.notification_id, d.event_id, d.seq)
    SELECT l.id, l.channel, l.attempts, l.created_at,
           n.id, n.type, n.title, n.message, n.data, n.created_at, n.user_id, u.email, u.full_name,
           i.invoice_number, i.amount, i.period_start, i.period_end,
           coalesce(i.line_items->>'plan_name', pl.name), pl.price, s.current_period_end,
           e.id, e.type, e.data, e.created_at
      FROM leased l
      LEFT JOIN notifications n ON n.id = l.notification_id
      LEFT JOIN users u ON u.id = n.user_id
      LEFT JOIN invoices i ON i.id = deliveries_uuid_or_null(n.data->>'invoice_id')
      LEFT JOIN subscriptions s ON s.id = coalesce(i.subscription_id, deliveries_uuid_or_null(n.data->>'subscription_id'))
      LEFT JOIN subscription_plans pl ON pl.id = s.plan_id
      LEFT JOIN events e ON e.id = l.event_id
     -- Sent in the order they were written (a frozen test clock gives many rows one instant): the
     -- UPDATE and the joins above return rows in no defined order.
     ORDER BY l.created_at, l.seq
$$;
