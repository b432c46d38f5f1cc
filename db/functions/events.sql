-- Events for the web app (contract §8.4): triggers on subscriptions, invoices and credit_transactions
-- write each event, and its webhook delivery when APP_WEBHOOK_URL is set, in the transaction of
-- the state change itself, so an event exists exactly when its change committed. data is
-- {object, previous?} (contract §15.1): object is exactly what the API answers for that object,
-- built by the same function the API reads it with (db/functions/api_objects.sql), so the web
-- app's contract is the API's, never this table layout, and no column the API hides (an
-- invoice's public_token, gateway answers) leaves in an event. previous holds the fields the
-- change moved, where the receiver needs them (the status before, the plan before).
-- Each function lives in exactly one file of db/functions/; the migrator re-applies a file when
-- it changes (docs/architecture.md, "Where a change goes").

CREATE OR REPLACE FUNCTION events_record(p_type text, p_data jsonb, p_at timestamptz)
RETURNS uuid
LANGUAGE plpgsql AS $$
DECLARE
    v_id uuid;
BEGIN
    INSERT INTO events (type, data, created_at) VALUES (p_type, p_data, p_at) RETURNING id INTO v_id;
    IF deliveries_channel_enabled('webhook') THEN
        INSERT INTO deliveries (channel, event_id, status, attempts, next_attempt_at, created_at, updated_at)
        VALUES ('webhook', v_id, 'pending', 0, p_at, p_at, p_at);
    END IF;
    RETURN v_id;
END $$;

-- Subscriptions: created; activated (a checkout paid: incomplete → active); renewed (an active
-- subscription's period moved on, i.e. a renewal invoice was paid); past_due; canceled;
-- plan_changed. One update may make two events (a paid downgrade renews and changes the plan).
-- previous's times are written in UTC like the object's (api_objects.sql says why).
CREATE OR REPLACE FUNCTION events_on_subscription() RETURNS trigger
LANGUAGE plpgsql SET "TimeZone" = 'UTC' AS $$
DECLARE
    v_at timestamptz := coalesce(NEW.updated_at, NEW.created_at, now());
    v_object jsonb := api_subscription(NEW);
    v_status jsonb;
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM events_record('subscription.created', jsonb_build_object('object', v_object), coalesce(NEW.created_at, v_at));
        RETURN NULL;
    END IF;
    v_status := jsonb_build_object('object', v_object, 'previous', jsonb_build_object('status', OLD.status));
    IF NEW.status IS DISTINCT FROM OLD.status THEN
        IF NEW.status = 'active' AND OLD.status = 'incomplete' THEN
            PERFORM events_record('subscription.activated', v_status, v_at);
        ELSIF NEW.status = 'past_due' THEN
            PERFORM events_record('subscription.past_due', v_status, v_at);
        ELSIF NEW.status = 'canceled' THEN
            PERFORM events_record('subscription.canceled', v_status, v_at);
        END IF;
    END IF;
    IF NEW.status = 'active' AND OLD.status IS DISTINCT FROM 'incomplete'
       AND NEW.current_period_end > OLD.current_period_end THEN
        PERFORM events_record('subscription.renewed', jsonb_build_object('object', v_object, 'previous',
                jsonb_build_object('status', OLD.status, 'current_period_start', OLD.current_period_start,
                                   'current_period_end', OLD.current_period_end)), v_at);
    END IF;
    IF NEW.plan_id IS DISTINCT FROM OLD.plan_id THEN
        PERFORM events_record('subscription.plan_changed', jsonb_build_object('object', v_object, 'previous',
                jsonb_build_object('plan', api_plan_ref(OLD.plan_id))), v_at);
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER subscriptions_events AFTER INSERT OR UPDATE ON subscriptions
    FOR EACH ROW EXECUTE FUNCTION events_on_subscription();

-- Invoices: created; paid; payment_failed. An attempt that fails sets status = 'failed' even on
-- an invoice that is already failed (retry n of it failed), so payment_failed follows every
-- UPDATE that writes status = 'failed' (UPDATE OF status fires when the column is assigned,
-- changed or not), not only the first change to failed.
CREATE OR REPLACE FUNCTION events_on_invoice() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_at timestamptz := coalesce(NEW.updated_at, NEW.created_at, now());
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM events_record('invoice.created', jsonb_build_object('object', api_invoice(NEW)), coalesce(NEW.created_at, v_at));
    ELSIF NEW.status = 'paid' AND OLD.status IS DISTINCT FROM 'paid' THEN
        PERFORM events_record('invoice.paid', jsonb_build_object('object', api_invoice(NEW),
                'previous', jsonb_build_object('status', OLD.status)), v_at);
    ELSIF NEW.status = 'failed' THEN
        PERFORM events_record('invoice.payment_failed', jsonb_build_object('object', api_invoice(NEW),
                'previous', jsonb_build_object('status', OLD.status)), v_at);
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER invoices_events_insert AFTER INSERT ON invoices
    FOR EACH ROW EXECUTE FUNCTION events_on_invoice();
CREATE OR REPLACE TRIGGER invoices_events_status AFTER UPDATE OF status ON invoices
    FOR EACH ROW EXECUTE FUNCTION events_on_invoice();

-- Credits granted: every reset or add (a paid invoice's grants, an operator's change); revoked:
-- a refund took them back (contract §13.2). Consumes are the web app's own doing and are not
-- sent back to it.
-- Once per statement, not per row: a hot balance's batch (Credits/BalanceBatches.cs) writes its
-- ledger rows with one INSERT, and their events, each with its webhook delivery when that channel
-- is on, are written by one INSERT each too, in the ledger rows' order: the events feed pages by
-- (txid, seq), so the events' identity values are drawn in ledger seq order (docs/performance.md).
CREATE OR REPLACE FUNCTION events_on_credit() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    WITH e AS (
        INSERT INTO events (type, data, created_at)
        SELECT CASE WHEN n.kind = 'revoke' THEN 'credits.revoked' ELSE 'credits.granted' END,
               jsonb_build_object('object', api_credit_transaction(n)), n.created_at
          FROM new_credit_transactions n
         WHERE n.kind IN ('reset', 'add', 'revoke')
         ORDER BY n.seq
        RETURNING id, seq, created_at)
    INSERT INTO deliveries (channel, event_id, status, attempts, next_attempt_at, created_at, updated_at)
    SELECT 'webhook', e.id, 'pending', 0, e.created_at, e.created_at, e.created_at
      FROM e
     WHERE deliveries_channel_enabled('webhook')
     ORDER BY e.seq;
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS credit_transactions_events ON credit_transactions;
CREATE TRIGGER credit_transactions_events AFTER INSERT ON credit_transactions
    REFERENCING NEW TABLE AS new_credit_transactions
    FOR EACH STATEMENT EXECUTE FUNCTION events_on_credit();

-- Invoice refunded: one event per credit note (a partial refund too): the invoice as the API shows
-- it after the refund, and the credit note as the refund's answer shows it (contract §13.2, §15.1).
CREATE OR REPLACE FUNCTION events_on_credit_note() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM events_record('invoice.refunded',
                          jsonb_build_object(
                              'object', (SELECT api_invoice(i) FROM invoices i WHERE i.id = NEW.invoice_id),
                              'credit_note', jsonb_build_object(
                                  'id', NEW.id, 'credit_note_number', NEW.credit_note_number, 'invoice_id', NEW.invoice_id,
                                  'amount', NEW.amount, 'tax_amount', NEW.tax_amount, 'reason', NEW.reason,
                                  'created_at', to_char(NEW.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))),
                          NEW.created_at);
    RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER credit_notes_events AFTER INSERT ON credit_notes
    FOR EACH ROW EXECUTE FUNCTION events_on_credit_note();
