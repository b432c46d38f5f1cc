-- Supabase roles (contract §10.2). A Supabase project's default privileges open every table,
-- sequence and function that postgres creates in public to anon and authenticated (ALL), and
-- PostgreSQL lets PUBLIC execute every function. Through PostgREST that let the anon key read and
-- rewrite schema_migrations, truncate tables, setval the invoice sequence and call every function.
-- This takes it all back, lets authenticated read only its own rows (and set read_at of its own
-- notifications), and keeps everything for service_role (the web app's server side, supabase.rpc).
--
-- Nothing here depends on which functions exist yet: functions may be (re)created after the
-- numbered migrations. What exists now is revoked with ... ON ALL ..., what comes later is covered
-- by the default privileges of the role running the migrations (the service's role, the owner).
-- On plain PostgreSQL the API roles do not exist and only the PUBLIC revocation applies.

-- EXECUTE for PUBLIC is PostgreSQL's built-in default. The default is changed without IN SCHEMA
-- on purpose: a per-schema default privilege can only add to the global one, never take from it.
REVOKE EXECUTE ON ALL ROUTINES IN SCHEMA public FROM PUBLIC;
ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON ROUTINES FROM PUBLIC;

-- anon and authenticated: nothing on any table, column, sequence or function in public, now or
-- later (Supabase's own default privileges for postgres in public are the ones taken back here).
DO $$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['anon', 'authenticated'] LOOP
        CONTINUE WHEN NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r);
        -- Table-level REVOKE ALL also removes the same privileges granted on single columns.
        EXECUTE format('REVOKE ALL ON ALL TABLES IN SCHEMA public FROM %I', r);
        EXECUTE format('REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM %I', r);
        EXECUTE format('REVOKE ALL ON ALL ROUTINES IN SCHEMA public FROM %I', r);
        EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON TABLES FROM %I', r);
        EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON SEQUENCES FROM %I', r);
        EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON ROUTINES FROM %I', r);
    END LOOP;
END $$;

-- service_role keeps everything, stated here rather than left to Supabase's defaults.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'service_role') THEN
        GRANT ALL ON ALL TABLES IN SCHEMA public TO service_role;
        GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO service_role;
        GRANT ALL ON ALL ROUTINES IN SCHEMA public TO service_role;
        ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON TABLES TO service_role;
        ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON SEQUENCES TO service_role;
        ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON ROUTINES TO service_role;
    END IF;
END $$;

-- authenticated reads its own rows, the user being the Clerk user id in the JWT's sub, and marks
-- its own notifications read. Only where the role and Supabase's auth.jwt() exist; the grants
-- come with the policies, never without them. (SELECT auth.jwt() ...) is evaluated once per
-- statement, not once per row.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticated')
       OR to_regprocedure('auth.jwt()') IS NULL THEN
        RETURN;
    END IF;

    GRANT SELECT ON subscription_plans, subscriptions, invoices, credit_balances,
                    credit_transactions, notifications TO authenticated;
    GRANT UPDATE (read_at) ON notifications TO authenticated;

    CREATE POLICY authenticated_reads_active_plans ON subscription_plans
        FOR SELECT TO authenticated USING (is_active);
    CREATE POLICY authenticated_reads_own ON subscriptions
        FOR SELECT TO authenticated USING (user_id = (SELECT auth.jwt() ->> 'sub'));
    CREATE POLICY authenticated_reads_own ON invoices
        FOR SELECT TO authenticated USING (user_id = (SELECT auth.jwt() ->> 'sub'));
    CREATE POLICY authenticated_reads_own ON credit_balances
        FOR SELECT TO authenticated USING (user_id = (SELECT auth.jwt() ->> 'sub'));
    CREATE POLICY authenticated_reads_own ON credit_transactions
        FOR SELECT TO authenticated USING (user_id = (SELECT auth.jwt() ->> 'sub'));
    CREATE POLICY authenticated_reads_own ON notifications
        FOR SELECT TO authenticated USING (user_id = (SELECT auth.jwt() ->> 'sub'));
    CREATE POLICY authenticated_marks_own_read ON notifications
        FOR UPDATE TO authenticated
        USING (user_id = (SELECT auth.jwt() ->> 'sub'))
        WITH CHECK (user_id = (SELECT auth.jwt() ->> 'sub'));
END $$;
