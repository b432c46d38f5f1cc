-- The ledger's order (contract §10.5). created_at was the request's time, taken before the balance
-- row's lock, so under concurrent changes the newest-first listing did not chain: a row could
-- say balance_after 3 while the balance was 0. Each change now gets seq, the next number for its
-- (user, credit type), assigned under that lock (db/functions/credits.sql), and the ledger is
-- listed by it. Existing rows are numbered in their old order.

ALTER TABLE credit_balances ADD COLUMN IF NOT EXISTS last_seq bigint NOT NULL DEFAULT 0;
ALTER TABLE credit_transactions ADD COLUMN IF NOT EXISTS seq bigint;

UPDATE credit_transactions t
   SET seq = n.seq
  FROM (SELECT id, row_number() OVER (PARTITION BY user_id, credit_type ORDER BY created_at, id) AS seq
          FROM credit_transactions) n
 WHERE n.id = t.id AND t.seq IS NULL;

UPDATE credit_balances b
   SET last_seq = m.seq
  FROM (SELECT user_id, credit_type, max(seq) AS seq FROM credit_transactions GROUP BY user_id, credit_type) m
 WHERE m.user_id = b.user_id AND m.credit_type = b.credit_type;

ALTER TABLE credit_transactions ALTER COLUMN seq SET NOT NULL;
-- One row per number: two changes can never claim the same place in a ledger.
ALTER TABLE credit_transactions ADD CONSTRAINT credit_transactions_seq_key UNIQUE (user_id, credit_type, seq);

-- The listing's order: newest first by time, then by seq (see LedgerAsync).
DROP INDEX IF EXISTS credit_transactions_ledger_idx;
CREATE INDEX credit_transactions_ledger_idx
    ON credit_transactions (user_id, created_at DESC, seq DESC, credit_type DESC);
