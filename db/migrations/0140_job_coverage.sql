-- No scheduler occurrence is skipped (contract §7.9): each run records the span of time whose
-- occurrences it covers, from where the job's last live run left off up to its own start. An
-- occurrence that found the job's lock held checks this once the lock is free, and runs itself
-- unless a live run covers it. Older runs cover everything up to when they started (or the
-- occurrence they ran), which is what the catch-up at start-up assumed of them.
ALTER TABLE job_runs ADD COLUMN IF NOT EXISTS covers tstzrange;
UPDATE job_runs SET covers = tstzrange(NULL, greatest(started_at, scheduled_for), '(]')
 WHERE covers IS NULL AND status <> 'abandoned';

-- One live run per occurrence: a run abandoned (its process died, or stopped mid-run) no longer
-- counts, so the occurrence is run again by whichever instance takes the lock next.
DROP INDEX IF EXISTS job_runs_one_per_occurrence;
CREATE UNIQUE INDEX IF NOT EXISTS job_runs_one_per_occurrence
    ON job_runs (job, scheduled_for) WHERE scheduled_for IS NOT NULL AND status <> 'abandoned';
