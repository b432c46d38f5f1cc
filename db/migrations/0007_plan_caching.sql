-- Speed of the 1st of the month (docs/performance.md). pg_stat_statements showed two costs:
--
-- 1. SQL-language functions that write (INSERT/UPDATE) are never inlined, and PostgreSQL 15
--    plans their statements again on every call. On the hot paths (a renewal's notification and
--    log, a payment's two credit grants and its log) that planning cost more than the work.
--    PL/pgSQL caches its plans per connection, so the same functions are redefined in PL/pgSQL:
--    same names, same parameters, same results — the contract's interface does not change. (They
--    now live in db/functions/.)
-- 2. The callback's payment lookup had no index on session_id (see BillingStore.FindPaymentAsync).

CREATE INDEX IF NOT EXISTS payments_session_idx ON payments (session_id) WHERE session_id IS NOT NULL;
