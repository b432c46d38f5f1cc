-- The housekeeping job (contract §7.9) runs on the same runner as renewal and retry, so job_runs
-- takes its name; and it deletes, after BILLING_RETENTION_DAYS, the callbacks nobody vouched for
-- (contract §10.4), found through their own small index rather than a scan of every event.
ALTER TABLE job_runs DROP CONSTRAINT IF EXISTS job_runs_job_check;
ALTER TABLE job_runs ADD CONSTRAINT job_runs_job_check CHECK (job IN ('renewal', 'retry', 'housekeeping'));

CREATE INDEX IF NOT EXISTS webhook_events_unverified_idx ON webhook_events (received_at)
    WHERE outcome IN ('unparsable', 'invalid_signature', 'missing_signature');
