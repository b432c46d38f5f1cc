-- Idempotency-Key, one implementation (Infrastructure/Http/IdempotencyFilter.cs): a key's claim and
-- its answer now commit in one transaction, so a row without an answer is never written again.
-- Rows an older version left "in progress" by a crash would refuse their key forever: removed.
DELETE FROM idempotency_keys WHERE response IS NULL;

-- Housekeeping deletes keys older than BILLING_IDEMPOTENCY_HOURS by this index.
CREATE INDEX IF NOT EXISTS idempotency_keys_created_at_idx ON idempotency_keys (created_at);
