-- The operator console's Deliveries page (contract §9.2) lists pending deliveries that already failed
-- at least once; on a renewal day the pending ones that never failed are most of the table, so
-- the page reads only these through a partial index.
CREATE INDEX IF NOT EXISTS deliveries_failing_idx ON deliveries (updated_at) WHERE status = 'pending' AND attempts > 0;
