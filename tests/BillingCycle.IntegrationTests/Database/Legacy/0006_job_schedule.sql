-- One scheduled (or catch-up) run per job and occurrence, whichever instance gets there first:
-- a second scheduler's insert for the same occurrence conflicts and that instance skips quietly.
CREATE UNIQUE INDEX IF NOT EXISTS job_runs_one_per_occurrence
    ON job_runs (job, scheduled_for) WHERE scheduled_for IS NOT NULL;
