-- The operator console (contract §9). One new table, and the indexes that keep each console page a
-- bounded index read at 100,000 subscriptions and a year of history (bench/, console phase).
-- Every figure is an aggregate in SQL over these indexes: nothing is cached, so money shown is
-- never stale.

-- An oddity (a billing_logs row of contract §4.10) looked at by an operator: who, when and why.
-- One resolution per oddity; the oddity itself is never changed or deleted.
CREATE TABLE IF NOT EXISTS oddity_resolutions (
    billing_log_id  uuid PRIMARY KEY REFERENCES billing_logs (id),
    resolved_by     text NOT NULL,
    note            text NOT NULL CHECK (length(note) BETWEEN 1 AND 2000),
    resolved_at     timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE oddity_resolutions ENABLE ROW LEVEL SECURITY;

-- Oddities: payment oddities and callbacks that named no attempt of ours. The predicate is the
-- one Console/Data/OddityStore.cs filters on, so the planner can use this small partial index.
CREATE INDEX IF NOT EXISTS billing_logs_oddity_idx ON billing_logs (created_at DESC)
    WHERE event_type = 'payment_oddity' OR (event_type = 'webhook' AND status = 'error');
-- A customer's billing log, newest first (the timeline).
CREATE INDEX IF NOT EXISTS billing_logs_user_idx ON billing_logs (user_id, created_at DESC) WHERE user_id IS NOT NULL;

-- Callbacks of a customer's attempts, found by our reference (transaction_id is indexed already).
CREATE INDEX IF NOT EXISTS webhook_events_reference_idx ON webhook_events (reference_id) WHERE reference_id IS NOT NULL;

-- Customer search: prefix matches on email, name and user id, case-insensitive for the first two.
CREATE INDEX IF NOT EXISTS users_email_search_idx ON users (lower(email) text_pattern_ops);
CREATE INDEX IF NOT EXISTS users_name_search_idx ON users (lower(full_name) text_pattern_ops);
CREATE INDEX IF NOT EXISTS users_id_search_idx ON users (id text_pattern_ops);

-- A month's renewals (the funnel's cohort), read from the index alone. The statistics give the
-- planner the share of renewal invoices (without them it guesses 0.5% and probes row by row).
CREATE INDEX IF NOT EXISTS invoices_renewal_period_idx ON invoices (period_start) INCLUDE (id, status, subscription_id, attempt_count)
    WHERE line_items ->> 'type' = 'subscription_renewal';
CREATE STATISTICS IF NOT EXISTS invoices_line_type_stats ON (line_items ->> 'type') FROM invoices;
-- A month's invoices (the export), in the order the CSV lists them, so it streams without a sort.
CREATE INDEX IF NOT EXISTS invoices_created_idx ON invoices (created_at, invoice_number);
-- Paid on retry k: only invoices paid by a later attempt than the first are in this index.
CREATE INDEX IF NOT EXISTS payments_paid_on_retry_idx ON payments (invoice_id) INCLUDE (attempt_number)
    WHERE status = 'paid' AND oddity IS NULL AND attempt_number > 1;
-- Open dunning steps by invoice (pending retries are indexed by date only).
CREATE INDEX IF NOT EXISTS payment_retries_open_idx ON payment_retries (invoice_id) INCLUDE (attempt_number, status)
    WHERE status IN ('pending', 'in_progress');

-- MRR and active subscribers by plan; churn; subscriptions live at the start of a month.
CREATE INDEX IF NOT EXISTS subscriptions_active_plan_idx ON subscriptions (plan_id) WHERE status = 'active';
CREATE INDEX IF NOT EXISTS subscriptions_canceled_idx ON subscriptions (canceled_at) WHERE canceled_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS subscriptions_anchor_idx ON subscriptions (billing_anchor);

-- The jobs page: every job's runs, newest first.
CREATE INDEX IF NOT EXISTS job_runs_started_idx ON job_runs (started_at DESC);
