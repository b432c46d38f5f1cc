-- billing_logs is append-only and written on every renewal, settlement and credit change. Its index
-- on subscription_id served one query alone: settlement's check for a second payment already
-- flagged (db/functions/settlement_paid.sql), which reads payment oddities only. Every other
-- reader goes by user (billing_logs_user_idx), by time (billing_logs_created_idx) or by oddity
-- (billing_logs_oddity_idx). Indexed for that one query, the index holds oddities alone and a
-- billing log that is not one writes one index entry fewer (docs/performance.md).
CREATE INDEX IF NOT EXISTS billing_logs_oddity_subscription_idx ON billing_logs (subscription_id)
    WHERE event_type = 'payment_oddity';
DROP INDEX IF EXISTS billing_logs_subscription_idx;
