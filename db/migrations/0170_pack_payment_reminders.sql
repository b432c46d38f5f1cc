-- A credit pack's invoice has no subscription (contract §11.4), and its unpaid link is reminded
-- like any open invoice's (contract §8.3, db/functions/reminders.sql): a payment reminder may
-- name no subscription; the other kinds still always name one.
ALTER TABLE reminders ALTER COLUMN subscription_id DROP NOT NULL;
ALTER TABLE reminders DROP CONSTRAINT IF EXISTS reminders_subscription_by_kind;
ALTER TABLE reminders ADD CONSTRAINT reminders_subscription_by_kind
    CHECK (subscription_id IS NOT NULL OR kind = 'payment_reminder');
