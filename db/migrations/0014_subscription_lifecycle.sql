-- Subscriptions the web app starts, changes and lets customers pay (contract §7). Every new column
-- has a default, so the web app's own inserts (contract §1) keep working unchanged.

-- A checkout is 'incomplete' until its first invoice is paid; renewal never bills it.
ALTER TABLE subscriptions DROP CONSTRAINT IF EXISTS subscriptions_status_check;
ALTER TABLE subscriptions ADD CONSTRAINT subscriptions_status_check
    CHECK (status IN ('incomplete', 'active', 'past_due', 'canceled'));
-- A downgrade waits for the next renewal, which invoices this plan.
ALTER TABLE subscriptions ADD COLUMN IF NOT EXISTS scheduled_plan_id uuid REFERENCES subscription_plans (id);

-- At most one subscription that is not canceled per user, enforced by the database. A database
-- that already breaks the rule stops here, naming the users to sort out by hand.
DO $$
DECLARE
    v_users text;
BEGIN
    SELECT string_agg(user_id, ', ' ORDER BY user_id) INTO v_users
      FROM (SELECT user_id FROM subscriptions WHERE status <> 'canceled' GROUP BY user_id HAVING count(*) > 1) d;
    IF v_users IS NOT NULL THEN
        RAISE EXCEPTION 'users with more than one live subscription (cancel all but one, then start again): %', v_users;
    END IF;
END $$;
CREATE UNIQUE INDEX IF NOT EXISTS subscriptions_one_live_per_user ON subscriptions (user_id) WHERE status <> 'canceled';

-- What an invoice is for; and the token of its public pay page (contract §7.6): 256 random bits from
-- two version-4 UUIDs (core PostgreSQL, no extension), made by the database for every invoice.
ALTER TABLE invoices ADD COLUMN IF NOT EXISTS kind text NOT NULL DEFAULT 'renewal';
ALTER TABLE invoices DROP CONSTRAINT IF EXISTS invoices_kind_check;
ALTER TABLE invoices ADD CONSTRAINT invoices_kind_check CHECK (kind IN ('renewal', 'subscription_create', 'plan_change'));
ALTER TABLE invoices ADD COLUMN IF NOT EXISTS public_token text NOT NULL
    DEFAULT (replace(gen_random_uuid()::text, '-', '') || replace(gen_random_uuid()::text, '-', ''));
ALTER TABLE invoices DROP CONSTRAINT IF EXISTS invoices_public_token_key;
ALTER TABLE invoices ADD CONSTRAINT invoices_public_token_key UNIQUE (public_token);
CREATE INDEX IF NOT EXISTS invoices_subscription_idx ON invoices (subscription_id, created_at DESC);

-- Attempts beyond the dunning schedule: a customer may ask for a fresh link at any time (pay now),
-- so an invoice can have more attempts than its retries. retry_number says which dunning step an
-- attempt serves (0 = the invoice's first attempt, k = retry k); a customer's own attempt on a
-- failed invoice serves none (NULL). customer_initiated attempts send no "payment due" notice.
ALTER TABLE payments DROP CONSTRAINT IF EXISTS payments_attempt_number_check;
ALTER TABLE payments ADD CONSTRAINT payments_attempt_number_check CHECK (attempt_number >= 1);
ALTER TABLE payments ADD COLUMN IF NOT EXISTS retry_number integer CHECK (retry_number BETWEEN 0 AND 5);
ALTER TABLE payments ADD COLUMN IF NOT EXISTS customer_initiated boolean NOT NULL DEFAULT false;
UPDATE payments SET retry_number = attempt_number - 1 WHERE retry_number IS NULL AND NOT customer_initiated;
-- One attempt per dunning step that the engine itself started.
CREATE UNIQUE INDEX IF NOT EXISTS payments_one_per_dunning_step
    ON payments (invoice_id, retry_number) WHERE NOT customer_initiated;

-- One invoice per subscription period (contract §3, §6.1) — for the invoices that bill a period. An
-- upgrade's prorated invoice covers the rest of the current period and may start at the same
-- instant as it (a change right at the start of a period), so it is outside the rule; at most one
-- open upgrade invoice per subscription is kept by billing_change_plan under the subscription lock.
ALTER TABLE invoices DROP CONSTRAINT IF EXISTS invoices_subscription_period_key;
CREATE UNIQUE INDEX IF NOT EXISTS invoices_subscription_period_key
    ON invoices (subscription_id, period_start) WHERE kind <> 'plan_change';
