-- Default privileges for every role Supabase creates objects in public with (contract §10.2):
-- 0011 took them back for the migrating role only, but a Supabase project also grants ALL on
-- later tables, sequences and functions to anon and authenticated FOR ROLE supabase_admin (the
-- platform's own migrations), and grants EXECUTE to PUBLIC on every later function of any role.
-- A role's default privileges can be changed only by its members (or a superuser): a role this
-- migration cannot change is named in a warning, with the statement to run as supabase_admin.
-- Plain PostgreSQL has none of these roles and this does nothing there.
DO $$
DECLARE
    v_owner text;
    v_api text;
BEGIN
    FOREACH v_owner IN ARRAY ARRAY['postgres', 'supabase_admin'] LOOP
        CONTINUE WHEN NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = v_owner);
        IF NOT pg_has_role(current_user, v_owner, 'MEMBER') THEN
            RAISE WARNING 'default privileges of % not changed (% is not a member of it): as supabase_admin run db/migrations/0080_supabase_default_privileges.sql again', v_owner, current_user;
            CONTINUE;
        END IF;
        EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I REVOKE EXECUTE ON ROUTINES FROM PUBLIC', v_owner);
        FOREACH v_api IN ARRAY ARRAY['anon', 'authenticated'] LOOP
            CONTINUE WHEN NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = v_api);
            EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA public REVOKE ALL ON TABLES FROM %I', v_owner, v_api);
            EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA public REVOKE ALL ON SEQUENCES FROM %I', v_owner, v_api);
            EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA public REVOKE ALL ON ROUTINES FROM %I', v_owner, v_api);
            EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I REVOKE ALL ON TABLES FROM %I', v_owner, v_api);
            EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I REVOKE ALL ON SEQUENCES FROM %I', v_owner, v_api);
            EXECUTE format('ALTER DEFAULT PRIVILEGES FOR ROLE %I REVOKE ALL ON ROUTINES FROM %I', v_owner, v_api);
        END LOOP;
    END LOOP;
END $$;
