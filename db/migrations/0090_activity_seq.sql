-- One sequence that numbers the rows the console and the outbox list, in the order they were
-- written. created_at comes from the billing clock, which a test clock freezes: a whole retry
-- run (its payment attempt, retry, notification, email and log) then shares one instant, and
-- a list ordered by time alone came out in any order. Ordered by (time, seq) it reads as it
-- happened. One sequence for all of these tables, so a timeline that merges them keeps that
-- order across kinds too. Existing rows are numbered in their table's time order.
CREATE SEQUENCE IF NOT EXISTS activity_seq AS bigint;

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['payments', 'payment_retries', 'webhook_events', 'billing_logs', 'notifications', 'deliveries'] LOOP
        IF NOT EXISTS (SELECT 1 FROM information_schema.columns
                        WHERE table_schema = current_schema() AND table_name = t AND column_name = 'seq') THEN
            EXECUTE format('ALTER TABLE %I ADD COLUMN seq bigint', t);
            EXECUTE format($u$UPDATE %I x SET seq = n.seq
                                FROM (SELECT id, nextval('activity_seq') AS seq
                                        FROM (SELECT id FROM %I ORDER BY %s, id) o) n
                               WHERE x.id = n.id$u$,
                           t, t, CASE t WHEN 'webhook_events' THEN 'received_at' ELSE 'created_at' END);
            EXECUTE format($a$ALTER TABLE %I ALTER COLUMN seq SET DEFAULT nextval('activity_seq'), ALTER COLUMN seq SET NOT NULL$a$, t);
        END IF;
    END LOOP;
END $$;

-- The outbox claims due rows in the order they were queued (deliveries_claim): the index that
-- serves ORDER BY next_attempt_at, seq without sorting every due row.
CREATE INDEX IF NOT EXISTS deliveries_due_seq_idx ON deliveries (next_attempt_at, seq) WHERE status = 'pending';
DROP INDEX IF EXISTS deliveries_due_idx;
