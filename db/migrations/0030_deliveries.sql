-- Reaching the customer (contract §8): the outbox of deliveries, the events for the web app, which
-- channels this deployment sends on, and the reminders already queued. The triggers that fill
-- them live in db/functions/deliveries.sql, events.sql and reminders.sql.

-- Events for the web app (contract §8.4), written by triggers in the transaction of the state change.
-- txid is the writing transaction: the catch-up endpoint pages by (txid, seq) and only returns
-- rows whose transaction every current snapshot already sees, so a page never skips an event
-- that commits later with a smaller seq.
CREATE TABLE IF NOT EXISTS events (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    seq         bigint GENERATED ALWAYS AS IDENTITY,
    txid        xid8 NOT NULL DEFAULT pg_current_xact_id(),
    type        text NOT NULL CHECK (type IN (
                    'subscription.created', 'subscription.activated', 'subscription.renewed',
                    'subscription.past_due', 'subscription.canceled', 'subscription.plan_changed',
                    'invoice.created', 'invoice.paid', 'invoice.payment_failed', 'credits.granted')),
    data        jsonb NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX IF NOT EXISTS events_order_idx ON events (txid, seq);
CREATE INDEX IF NOT EXISTS events_created_idx ON events (created_at);

-- The outbox (contract §8.1): one row per message to send, queued in the same transaction as the
-- notification or event it carries. A worker leases due rows (next_attempt_at moves past the
-- lease while one is in flight), so a crash leaves the row pending and due again: at least once.
CREATE TABLE IF NOT EXISTS deliveries (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    channel          text NOT NULL CHECK (channel IN ('email', 'webhook')),
    notification_id  uuid REFERENCES notifications (id) ON DELETE CASCADE,
    event_id         uuid REFERENCES events (id) ON DELETE CASCADE,
    status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'dead', 'skipped')),
    attempts         integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at  timestamptz NOT NULL,
    last_error       text,
    sent_at          timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CHECK ((channel = 'email') = (notification_id IS NOT NULL)),
    CHECK ((channel = 'webhook') = (event_id IS NOT NULL)),
    CHECK ((status = 'sent') = (sent_at IS NOT NULL))
);
-- One email per notification and one webhook per event: a repeated trigger cannot queue twice.
CREATE UNIQUE INDEX IF NOT EXISTS deliveries_one_email_per_notification ON deliveries (notification_id) WHERE notification_id IS NOT NULL;
CREATE UNIQUE INDEX IF NOT EXISTS deliveries_one_webhook_per_event ON deliveries (event_id) WHERE event_id IS NOT NULL;
-- The worker's claim and the pending gauges read only these.
CREATE INDEX IF NOT EXISTS deliveries_due_idx ON deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX IF NOT EXISTS deliveries_dead_idx ON deliveries (updated_at) WHERE status = 'dead';
-- Housekeeping prunes old sent and skipped rows by age.
CREATE INDEX IF NOT EXISTS deliveries_done_idx ON deliveries (created_at) WHERE status IN ('sent', 'skipped');

-- Which channels this deployment sends on, written by the service at start-up from SMTP_URL and
-- APP_WEBHOOK_URL: the triggers read it, so with SMTP_URL unset no email is queued at all
-- (contract §8.2). No row means off.
CREATE TABLE IF NOT EXISTS delivery_channels (
    channel     text PRIMARY KEY CHECK (channel IN ('email', 'webhook')),
    enabled     boolean NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Reminders already queued (contract §8.3): the unique indexes make each one at most once, whatever
-- runs or instances race to queue it.
CREATE TABLE IF NOT EXISTS reminders (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    kind             text NOT NULL CHECK (kind IN ('upcoming_renewal', 'payment_reminder')),
    subscription_id  uuid NOT NULL REFERENCES subscriptions (id),
    period_end       timestamptz,
    payment_id       uuid REFERENCES payments (id),
    notification_id  uuid REFERENCES notifications (id) ON DELETE SET NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    CHECK ((kind = 'upcoming_renewal') = (period_end IS NOT NULL)),
    CHECK ((kind = 'payment_reminder') = (payment_id IS NOT NULL))
);
CREATE UNIQUE INDEX IF NOT EXISTS reminders_upcoming_once ON reminders (subscription_id, period_end) WHERE kind = 'upcoming_renewal';
CREATE UNIQUE INDEX IF NOT EXISTS reminders_payment_once ON reminders (payment_id) WHERE kind = 'payment_reminder';

ALTER TABLE events            ENABLE ROW LEVEL SECURITY;
ALTER TABLE deliveries        ENABLE ROW LEVEL SECURITY;
ALTER TABLE delivery_channels ENABLE ROW LEVEL SECURITY;
ALTER TABLE reminders         ENABLE ROW LEVEL SECURITY;
