-- Events now carry the API's objects (db/functions/events.sql, contract §15.1). Events written
-- before kept the whole invoice row, public_token included: a credential that opens the pay page.
-- It is taken out of every stored event (and so out of the catch-up feed and any webhook still
-- pending), which keep their old layout otherwise.
UPDATE events SET data = data - 'public_token' WHERE data ? 'public_token';

-- The in-app notifications' words (contract §8.2: in the service's locale, BILLING_LOCALE), per
-- notification type and variant: the title and message captures of the email template files
-- (Deliveries/Email/Templates/), written by the service at start-up, with {name} placeholders that
-- notify() (db/functions/notify.sql) fills from the notification's values in the transaction that
-- writes it. Words live in the template files only; this table is their copy for SQL, in the
-- service's locale (service_settings 'locale' and 'month_names' say how values are written).
CREATE TABLE IF NOT EXISTS notification_texts (
    type        text NOT NULL,
    variant     text NOT NULL DEFAULT '',
    title       text NOT NULL,
    message     text NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (type, variant)
);
ALTER TABLE notification_texts ENABLE ROW LEVEL SECURITY;
