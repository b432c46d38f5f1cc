-- A Supabase-shaped `postgres` database for the role tests: the roles, grants and default
-- privileges a new Supabase project starts with, written for this repository in our own words
-- (Supabase's files are not copied here). Run once, as the bootstrap superuser supabase_admin, on
-- the database `postgres` of a throw-away cluster (roles are cluster-wide).
--
-- What it reproduces, from github.com/supabase/postgres:
--   migrations/db/migrate.sh: supabase_admin is the bootstrap superuser; `postgres` is created as a
--     superuser that owns the database and runs the init scripts (so ALTER DEFAULT PRIVILEGES in
--     those scripts are postgres's own); the migrations then run as supabase_admin.
--   migrations/db/init-scripts/00000000000000-initial-schema.sql: anon, authenticated, service_role
--     (BYPASSRLS), authenticator; the extensions schema with uuid-ossp and pgcrypto; USAGE on
--     public; default privileges in public granting ALL on tables, sequences and functions to
--     postgres, anon, authenticated and service_role, for postgres and for supabase_admin.
--   migrations/db/init-scripts/00000000000001-auth-schema.sql: the auth schema, supabase_auth_admin,
--     USAGE on auth for the API roles.
--   migrations/db/init-scripts/00000000000003-post-setup.sql: the search_path of postgres.
--   migrations/db/migrations/10000000000000_demote-postgres.sql: postgres NOSUPERUSER ... BYPASSRLS.
--   migrations/db/migrations/20220609081115_grant-supabase-auth-admin-and-supabase-storage-admin-to-postgres.sql
--   migrations/db/migrations/20221103090837_revoke_admin.sql
--   migrations/db/migrations/20230201083204_grant_auth_roles_to_postgres.sql
--   migrations/db/migrations/20230529180330_alter_api_roles_for_inherit.sql
-- and, from github.com/supabase/auth, migrations/20220531120530_add_auth_jwt_function.up.sql:
-- auth.jwt(), the claims PostgREST puts in request.jwt.claims (or the older request.jwt.claim).
--
-- Left out because nothing here depends on it: storage, realtime, graphql, pgsodium/vault, the
-- pg_cron/pg_net event triggers, dashboard_user, the replication and read-only users, pgjwt (not
-- shipped with PostgreSQL) and the auth tables (GoTrue's own; our user ids are Clerk's).

-- migrate.sh: postgres is a superuser while the init scripts run, and owns the database (and so,
-- on PostgreSQL 15, the public schema through pg_database_owner).
CREATE ROLE postgres SUPERUSER LOGIN;
ALTER DATABASE postgres OWNER TO postgres;

-- ---- init scripts, run as postgres ----------------------------------------------------------
SET ROLE postgres;

ALTER ROLE supabase_admin SUPERUSER CREATEDB CREATEROLE REPLICATION BYPASSRLS;

CREATE SCHEMA extensions;
CREATE EXTENSION "uuid-ossp" WITH SCHEMA extensions;
CREATE EXTENSION pgcrypto WITH SCHEMA extensions;

-- The API roles PostgREST switches to; authenticator is the one it logs in as.
CREATE ROLE anon NOLOGIN NOINHERIT;
CREATE ROLE authenticated NOLOGIN NOINHERIT;
CREATE ROLE service_role NOLOGIN NOINHERIT BYPASSRLS;
CREATE ROLE authenticator LOGIN NOINHERIT;
GRANT anon, authenticated, service_role, supabase_admin TO authenticator;

-- The grants this repository's migration has to take back: every table, sequence and function
-- that postgres (or supabase_admin) later creates in public is open to anon and authenticated.
GRANT USAGE ON SCHEMA public TO postgres, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON TABLES TO postgres, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON FUNCTIONS TO postgres, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON SEQUENCES TO postgres, anon, authenticated, service_role;
GRANT USAGE ON SCHEMA extensions TO postgres, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE supabase_admin IN SCHEMA public
    GRANT ALL ON SEQUENCES TO postgres, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE supabase_admin IN SCHEMA public
    GRANT ALL ON TABLES TO postgres, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE supabase_admin IN SCHEMA public
    GRANT ALL ON FUNCTIONS TO postgres, anon, authenticated, service_role;
ALTER ROLE anon SET statement_timeout = '3s';
ALTER ROLE authenticated SET statement_timeout = '8s';

-- The auth schema belongs to supabase_admin; GoTrue's own role works in it.
CREATE SCHEMA auth AUTHORIZATION supabase_admin;
CREATE ROLE supabase_auth_admin LOGIN NOINHERIT CREATEROLE NOREPLICATION;
GRANT ALL PRIVILEGES ON SCHEMA auth TO supabase_auth_admin;
GRANT USAGE ON SCHEMA auth TO anon, authenticated, service_role;
ALTER ROLE supabase_auth_admin SET search_path = auth;

-- post-setup: postgres resolves extension functions without a schema prefix.
ALTER ROLE postgres SET search_path TO "$user", public, extensions;

RESET ROLE;

-- ---- migrations, run as supabase_admin ------------------------------------------------------
-- demote-postgres (the grants on auth, extensions and the database first, then the demotion).
GRANT ALL ON DATABASE postgres TO postgres;
GRANT ALL ON SCHEMA auth TO postgres;
GRANT ALL ON SCHEMA extensions TO postgres;
GRANT ALL ON ALL TABLES IN SCHEMA extensions TO postgres;
GRANT ALL ON ALL SEQUENCES IN SCHEMA extensions TO postgres;
GRANT ALL ON ALL ROUTINES IN SCHEMA extensions TO postgres;
ALTER ROLE postgres NOSUPERUSER CREATEDB CREATEROLE LOGIN REPLICATION BYPASSRLS;

GRANT supabase_auth_admin TO postgres;
REVOKE supabase_admin FROM authenticator;
-- postgres may SET ROLE to the API roles (the SQL editor's "run as" does exactly that).
GRANT anon, authenticated, service_role TO postgres;
ALTER ROLE authenticated INHERIT;
ALTER ROLE anon INHERIT;
ALTER ROLE service_role INHERIT;

-- supabase/auth: auth.jwt() is GoTrue's, created by its migration role. It reads the claims as
-- PostgREST sets them per transaction; EXECUTE stays with PUBLIC, because policies call it as the
-- querying role.
CREATE FUNCTION auth.jwt() RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT coalesce(nullif(current_setting('request.jwt.claim', true), ''),
                    nullif(current_setting('request.jwt.claims', true), ''))::jsonb
$$;
ALTER FUNCTION auth.jwt() OWNER TO supabase_auth_admin;
