-- BillingCycle schema: the tables of contract §3 and the constraints that make billing exactly-once.
-- Every uniqueness the billing engine relies on is declared here, so that two racing runs,
-- two instances or a repeated callback are refused by the database, not only by code.

CREATE EXTENSION IF NOT EXISTS pgcrypto;

CREATE TABLE IF NOT EXISTS users (
    id          text PRIMARY KEY,               -- the Clerk user id
    email       text,
    full_name   text,
    phone       text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS subscription_plans (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name                text   NOT NULL,
    price               bigint NOT NULL CHECK (price >= 0),
    interaction_credits bigint NOT NULL DEFAULT 0 CHECK (interaction_credits >= 0),
    scraper_credits     bigint NOT NULL DEFAULT 0 CHECK (scraper_credits >= 0),
    is_active           boolean NOT NULL DEFAULT true,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS subscriptions (
    id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id               text NOT NULL REFERENCES users (id),
    plan_id               uuid NOT NULL REFERENCES subscription_plans (id),
    status                text NOT NULL DEFAULT 'active'
                          CHECK (status IN ('active', 'past_due', 'canceled')),
    billing_anchor        timestamptz NOT NULL DEFAULT now(),
    current_period_start  timestamptz,
    current_period_end    timestamptz,
    cancel_at_period_end  boolean NOT NULL DEFAULT false,
    canceled_at           timestamptz,
    cancel_reason         text,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    CHECK (current_period_end IS NULL OR current_period_start IS NULL
           OR current_period_end > current_period_start)
);
CREATE INDEX IF NOT EXISTS subscriptions_due_idx
    ON subscriptions (current_period_end) WHERE status = 'active';
CREATE INDEX IF NOT EXISTS subscriptions_user_idx ON subscriptions (user_id);

CREATE SEQUENCE IF NOT EXISTS invoice_number_seq;

CREATE TABLE IF NOT EXISTS invoices (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    invoice_number   text NOT NULL UNIQUE,
    user_id          text NOT NULL REFERENCES users (id),
    subscription_id  uuid NOT NULL REFERENCES subscriptions (id),
    period_start     timestamptz NOT NULL,
    period_end       timestamptz NOT NULL,
    amount           bigint NOT NULL CHECK (amount >= 0),
    currency         text NOT NULL DEFAULT 'IDR' CHECK (currency = 'IDR'),
    status           text NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'paid', 'failed', 'cancelled')),
    line_items       jsonb NOT NULL DEFAULT '{}'::jsonb,
    attempt_count    integer NOT NULL DEFAULT 0 CHECK (attempt_count >= 0),
    paid_at          timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CHECK (period_end > period_start),
    CHECK ((status = 'paid') = (paid_at IS NOT NULL)),
    -- One invoice per subscription period: the rule that makes renewal exactly-once.
    CONSTRAINT invoices_subscription_period_key UNIQUE (subscription_id, period_start)
);
CREATE INDEX IF NOT EXISTS invoices_user_idx ON invoices (user_id, created_at DESC);
CREATE INDEX IF NOT EXISTS invoices_open_idx ON invoices (status) WHERE status IN ('pending', 'failed');

CREATE TABLE IF NOT EXISTS payments (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    invoice_id        uuid NOT NULL REFERENCES invoices (id),
    attempt_number    integer NOT NULL CHECK (attempt_number BETWEEN 1 AND 6),
    reference_id      text NOT NULL,
    session_id        text,
    transaction_id    text,
    payment_url       text,
    status            text NOT NULL DEFAULT 'pending'
                      CHECK (status IN ('pending', 'paid', 'failed', 'expired')),
    amount            bigint NOT NULL CHECK (amount >= 0),
    fee               bigint CHECK (fee IS NULL OR fee >= 0),
    expires_at        timestamptz,
    paid_at           timestamptz,
    gateway_response  jsonb,
    -- The job run responsible for creating this attempt at iPaymu. An attempt without a
    -- session whose run has ended is an orphan that the next run creates again.
    claim_run_id      uuid,
    failure_reason    text,
    -- Set when iPaymu reports a payment we did not expect (the invoice was already paid or
    -- cancelled): the money is recorded and flagged for a person, never silently dropped.
    oddity            text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT payments_reference_id_key UNIQUE (reference_id),
    CONSTRAINT payments_invoice_attempt_key UNIQUE (invoice_id, attempt_number),
    CHECK ((status = 'paid') = (paid_at IS NOT NULL))
);
-- Unique when set: a transaction id can belong to one attempt only.
CREATE UNIQUE INDEX IF NOT EXISTS payments_transaction_id_key
    ON payments (transaction_id) WHERE transaction_id IS NOT NULL;
-- One paid attempt settles an invoice (contract §6.1); a second one can exist only flagged as an oddity.
CREATE UNIQUE INDEX IF NOT EXISTS payments_one_paid_per_invoice
    ON payments (invoice_id) WHERE status = 'paid' AND oddity IS NULL;
CREATE INDEX IF NOT EXISTS payments_open_idx ON payments (created_at) WHERE status = 'pending';

CREATE TABLE IF NOT EXISTS payment_retries (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    subscription_id   uuid NOT NULL REFERENCES subscriptions (id),
    invoice_id        uuid NOT NULL REFERENCES invoices (id),
    attempt_number    integer NOT NULL CHECK (attempt_number BETWEEN 1 AND 5),
    retry_date        timestamptz NOT NULL,
    status            text NOT NULL DEFAULT 'pending'
                      CHECK (status IN ('pending', 'in_progress', 'processed', 'failed', 'cancelled')),
    payment_id        uuid REFERENCES payments (id),
    payment_response  jsonb,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT payment_retries_invoice_attempt_key UNIQUE (invoice_id, attempt_number)
);
CREATE INDEX IF NOT EXISTS payment_retries_due_idx ON payment_retries (retry_date) WHERE status = 'pending';

CREATE TABLE IF NOT EXISTS credit_balances (
    user_id     text NOT NULL,
    credit_type text NOT NULL CHECK (credit_type IN ('interaction', 'scraper')),
    balance     bigint NOT NULL DEFAULT 0 CHECK (balance >= 0),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, credit_type)
);

CREATE TABLE IF NOT EXISTS credit_transactions (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id       text NOT NULL,
    credit_type   text NOT NULL CHECK (credit_type IN ('interaction', 'scraper')),
    kind          text NOT NULL CHECK (kind IN ('reset', 'add', 'consume')),
    amount        bigint NOT NULL,
    balance_after bigint NOT NULL CHECK (balance_after >= 0),
    reference_id  text,
    description   text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    -- One grant per (user, type, kind, reference): a paid invoice grants once, a consume with
    -- the same reference is answered once. NULL references are not deduplicated.
    CONSTRAINT credit_transactions_reference_key UNIQUE (user_id, credit_type, kind, reference_id)
);
CREATE INDEX IF NOT EXISTS credit_transactions_ledger_idx
    ON credit_transactions (user_id, created_at DESC, id DESC);

CREATE TABLE IF NOT EXISTS notifications (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id     text NOT NULL,
    type        text NOT NULL,
    title       text NOT NULL,
    message     text NOT NULL,
    data        jsonb NOT NULL DEFAULT '{}'::jsonb,
    read_at     timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS notifications_user_idx ON notifications (user_id, created_at DESC);

CREATE TABLE IF NOT EXISTS billing_logs (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    event_type       text NOT NULL,
    subscription_id  uuid,
    user_id          text,
    status           text NOT NULL CHECK (status IN ('pending', 'success', 'failed', 'error')),
    details          jsonb NOT NULL DEFAULT '{}'::jsonb,
    error_message    text,
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS billing_logs_created_idx ON billing_logs (created_at DESC);
CREATE INDEX IF NOT EXISTS billing_logs_subscription_idx ON billing_logs (subscription_id);

CREATE TABLE IF NOT EXISTS webhook_events (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    received_at      timestamptz NOT NULL DEFAULT now(),
    transaction_id   text,
    reference_id     text,
    status_code      text,
    content_type     text,
    payload          jsonb NOT NULL,
    signature_valid  boolean,
    outcome          text,
    processed_at     timestamptz
);
CREATE INDEX IF NOT EXISTS webhook_events_trx_idx ON webhook_events (transaction_id);

CREATE TABLE IF NOT EXISTS job_runs (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    job          text NOT NULL CHECK (job IN ('renewal', 'retry')),
    trigger      text NOT NULL CHECK (trigger IN ('schedule', 'http', 'catch_up')),
    started_at   timestamptz NOT NULL,
    finished_at  timestamptz,
    status       text NOT NULL DEFAULT 'running'
                 CHECK (status IN ('running', 'succeeded', 'completed_with_errors', 'failed', 'abandoned')),
    counts       jsonb NOT NULL DEFAULT '{}'::jsonb,
    error        text,
    scheduled_for timestamptz
);
CREATE INDEX IF NOT EXISTS job_runs_job_idx ON job_runs (job, started_at DESC);

-- Idempotency-Key answers for the credit endpoints: the first answer is stored with a hash
-- of the request, so a repeat gets it back and another body under the same key is refused.
CREATE TABLE IF NOT EXISTS idempotency_keys (
    user_id       text NOT NULL,
    endpoint      text NOT NULL,
    key           text NOT NULL,
    request_hash  text NOT NULL,
    status_code   integer,
    response      jsonb,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, endpoint, key)
);

-- The trigger that fills a new subscription's first period lives in db/functions/subscriptions.sql.

-- Row-level security on every table, no policies: only the service's own role (table owner or
-- a BYPASSRLS role such as Supabase's service_role) reaches the rows.
ALTER TABLE users               ENABLE ROW LEVEL SECURITY;
ALTER TABLE subscription_plans  ENABLE ROW LEVEL SECURITY;
ALTER TABLE subscriptions       ENABLE ROW LEVEL SECURITY;
ALTER TABLE invoices            ENABLE ROW LEVEL SECURITY;
ALTER TABLE payments            ENABLE ROW LEVEL SECURITY;
ALTER TABLE payment_retries     ENABLE ROW LEVEL SECURITY;
ALTER TABLE credit_balances     ENABLE ROW LEVEL SECURITY;
ALTER TABLE credit_transactions ENABLE ROW LEVEL SECURITY;
ALTER TABLE notifications       ENABLE ROW LEVEL SECURITY;
ALTER TABLE billing_logs        ENABLE ROW LEVEL SECURITY;
ALTER TABLE webhook_events      ENABLE ROW LEVEL SECURITY;
ALTER TABLE job_runs            ENABLE ROW LEVEL SECURITY;
ALTER TABLE idempotency_keys    ENABLE ROW LEVEL SECURITY;
