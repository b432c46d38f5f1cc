-- Yearly plans and trials (contract §11.1, §11.2). Every new column has a default, so the web
-- app's own inserts of plans and subscriptions (contract §1) keep working unchanged.

-- Widens a CHECK of the form "col = ANY (ARRAY[...])" by the given values, keeping whatever other
-- branches have added to it meanwhile (other migrations in this release add values to the same
-- checks, so a fixed list here would drop theirs). Idempotent. Dropped at the end of this file.
CREATE OR REPLACE FUNCTION pg_temp.widen_check(p_table regclass, p_name text, p_values text[])
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    v_def text;
    v_value text;
    v_add text := '';
BEGIN
    SELECT pg_get_constraintdef(c.oid) INTO v_def FROM pg_constraint c
     WHERE c.conrelid = p_table AND c.conname = p_name;
    IF v_def IS NULL OR position('ARRAY[' IN v_def) = 0 THEN
        RAISE EXCEPTION 'constraint % on % is not a list check: %', p_name, p_table, v_def;
    END IF;
    FOREACH v_value IN ARRAY p_values LOOP
        IF position(quote_literal(v_value) || '::text' IN v_def) = 0 THEN
            v_add := v_add || quote_literal(v_value) || '::text, ';
        END IF;
    END LOOP;
    IF v_add = '' THEN
        RETURN;
    END IF;
    EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', p_table, p_name);
    EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I %s', p_table, p_name, replace(v_def, 'ARRAY[', 'ARRAY[' || v_add));
END $$;

-- A plan bills a month or a year; a trial of trial_days days before its first paid period.
ALTER TABLE subscription_plans ADD COLUMN IF NOT EXISTS billing_interval text NOT NULL DEFAULT 'month';
ALTER TABLE subscription_plans DROP CONSTRAINT IF EXISTS subscription_plans_billing_interval_check;
ALTER TABLE subscription_plans ADD CONSTRAINT subscription_plans_billing_interval_check
    CHECK (billing_interval IN ('month', 'year'));
ALTER TABLE subscription_plans ADD COLUMN IF NOT EXISTS trial_days integer NOT NULL DEFAULT 0;
ALTER TABLE subscription_plans DROP CONSTRAINT IF EXISTS subscription_plans_trial_days_check;
ALTER TABLE subscription_plans ADD CONSTRAINT subscription_plans_trial_days_check CHECK (trial_days BETWEEN 0 AND 365);

-- A trial is live like active (the one-live-subscription index already counts every status but
-- canceled); trial_end is where its first paid period starts.
SELECT pg_temp.widen_check('subscriptions', 'subscriptions_status_check', ARRAY['trialing']);
ALTER TABLE subscriptions ADD COLUMN IF NOT EXISTS trial_end timestamptz;
ALTER TABLE subscriptions DROP CONSTRAINT IF EXISTS subscriptions_trialing_has_end;
ALTER TABLE subscriptions ADD CONSTRAINT subscriptions_trialing_has_end CHECK (status <> 'trialing' OR trial_end IS NOT NULL);

-- Renewal's due query reads live subscriptions (active and trialing) by period end.
CREATE INDEX IF NOT EXISTS subscriptions_due_live_idx
    ON subscriptions (current_period_end) WHERE status IN ('active', 'trialing');
-- The trials themselves: the trial_will_end reminder and the console's count read only these.
CREATE INDEX IF NOT EXISTS subscriptions_trialing_idx ON subscriptions (current_period_end) WHERE status = 'trialing';

-- One trial per user, ever (contract §11.2): the user's row here is the trial. The primary key is
-- the rule; a second trial checkout meets it and is refused, however many race.
CREATE TABLE IF NOT EXISTS trial_users (
    user_id          text PRIMARY KEY REFERENCES users (id),
    subscription_id  uuid NOT NULL REFERENCES subscriptions (id),
    created_at       timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE trial_users ENABLE ROW LEVEL SECURITY;

-- trial_will_end (contract §11.2): once per subscription, held by the unique index.
SELECT pg_temp.widen_check('reminders', 'reminders_kind_check', ARRAY['trial_will_end']);
SELECT pg_temp.widen_check('events', 'events_type_check', ARRAY['subscription.trial_will_end']);
CREATE UNIQUE INDEX IF NOT EXISTS reminders_trial_once ON reminders (subscription_id) WHERE kind = 'trial_will_end';

-- Housekeeping's search for yearly invoices that still owe monthly allowances (contract §11.1):
-- paid period invoices of a yearly plan, by the end of their period.
CREATE INDEX IF NOT EXISTS invoices_yearly_paid_idx ON invoices (period_end)
    WHERE status = 'paid' AND kind IN ('renewal', 'subscription_create') AND (line_items->>'period') = 'yearly';

DROP FUNCTION pg_temp.widen_check(regclass, text, text[]);
