-- Point lookups that stay point lookups on the 1st of the month (docs/performance.md).
--
-- A statement such as `UPDATE payments ... WHERE id = $1 AND status = 'pending'` matches two
-- indexes: the primary key and the partial index payments_open_idx (WHERE status = 'pending').
-- When the statistics were taken with few open payments (any normal day), a cached generic plan
-- may prefer the partial index, and on a renewal day it holds every open attempt: each such
-- statement then walks all of them. The bench measured 2.6 ms for one attach and 3.8 ms for one
-- "supersede" update at 10,000 open attempts, growing with the day's size. So every single-row
-- or per-invoice change (db/functions/) finds its rows by key alone and checks the status in
-- PL/pgSQL.

-- cancel_subscription closes retries by subscription_id, which had no index.
CREATE INDEX IF NOT EXISTS payment_retries_subscription_idx ON payment_retries (subscription_id);
