-- A customer's own iPaymu call (checkout, upgrade, pay-now) claims its attempt, as a renewal run's
-- claim_run_id does, so orphan recovery never makes a second link while that call is in flight
-- (contract §4.9). The claim ends when the call's answer is recorded (a session attached, or the
-- attempt deferred) or, if the process died mid-call, when this lease (real time) runs out.
ALTER TABLE payments ADD COLUMN IF NOT EXISTS claimed_until timestamptz;
