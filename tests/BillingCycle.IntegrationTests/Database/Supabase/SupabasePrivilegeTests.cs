namespace BillingCycle.IntegrationTests.Database.Supabase;

[CollectionDefinition(Name)]
public sealed class SupabaseCollection : ICollectionFixture<SupabaseDatabase>
{
    public const string Name = "supabase-shaped database";
}

/// <summary>
/// contract §10.2 read from the catalogs of a migrated Supabase-shaped database: the effective
/// privileges (has_*_privilege, which counts grants to PUBLIC and through role membership) of
/// each API role on every table, column, sequence and function of schema public.
/// </summary>
[Collection(SupabaseCollection.Name)]
public sealed class SupabasePrivilegeTests(SupabaseDatabase db)
{
    public static readonly string[] OwnRowTables =
        ["subscription_plans", "subscriptions", "invoices", "credit_balances", "credit_transactions", "notifications"];

    private const string TablePrivileges = """
        SELECT c.relname::text, p
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         CROSS JOIN unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']) p
         WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
           AND has_table_privilege($1::name, c.oid, p)
        """;

    private const string ColumnPrivileges = """
        SELECT c.relname || '.' || a.attname, p
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
         CROSS JOIN unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'REFERENCES']) p
         WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
           AND has_column_privilege($1::name, c.oid, a.attnum, p)
        """;

    private const string SequencePrivileges = """
        SELECT c.relname::text, p
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         CROSS JOIN unnest(ARRAY['USAGE', 'SELECT', 'UPDATE']) p
         WHERE n.nspname = 'public' AND c.relkind = 'S' AND has_sequence_privilege($1::name, c.oid, p)
        """;

    private const string FunctionPrivileges = """
        SELECT f.oid::regprocedure::text, 'EXECUTE'
          FROM pg_proc f JOIN pg_namespace n ON n.oid = f.pronamespace
         WHERE n.nspname = 'public' AND has_function_privilege($1::name, f.oid, 'EXECUTE')
        """;

    [Fact]
    public async Task The_catalog_queries_see_the_schema_so_an_empty_answer_means_something()
    {
        // service_role keeps everything, so it must show up on every kind of object.
        var tables = await db.PairsAsync(TablePrivileges, "service_role");
        Assert.Contains(("schema_migrations", "TRUNCATE"), tables);
        Assert.Contains(("users", "INSERT"), tables);
        Assert.Contains(("invoice_number_seq", "UPDATE"), await db.PairsAsync(SequencePrivileges, "service_role"));
        var functions = await db.PairsAsync(FunctionPrivileges, "service_role");
        Assert.Contains(functions, f => f.Item1.StartsWith("reset_interaction_credits(", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Every_table_has_row_level_security_including_the_migrators_own()
    {
        var tables = await db.PairsAsync("""
            SELECT c.relname::text, c.relrowsecurity::text
              FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
            """);
        Assert.Contains(tables, t => t.Item1 == "schema_migrations");
        Assert.True(tables.Count >= 14, $"only {tables.Count} tables found");
        Assert.Empty(tables.Where(t => t.Item2 != "true").Select(t => t.Item1));
    }

    [Fact]
    public async Task Anon_holds_no_privilege_on_any_table_column_sequence_or_function()
    {
        Assert.Empty(await db.PairsAsync(TablePrivileges, "anon"));
        Assert.Empty(await db.PairsAsync(ColumnPrivileges, "anon"));
        Assert.Empty(await db.PairsAsync(SequencePrivileges, "anon"));
        Assert.Empty(await db.PairsAsync(FunctionPrivileges, "anon"));
    }

    [Fact]
    public async Task Authenticated_holds_only_the_reads_and_the_read_at_update_of_section_10_2()
    {
        var tables = await db.PairsAsync(TablePrivileges, "authenticated");
        Assert.Equal(OwnRowTables.Select(t => (t, "SELECT")).Order(), tables.Order());

        // Column by column: SELECT comes with the table grants above; the only other is read_at.
        var columns = await db.PairsAsync(ColumnPrivileges, "authenticated");
        Assert.Contains(("notifications.user_id", "SELECT"), columns);
        var beyondReads = columns.Where(c => !(c.Item2 == "SELECT" && OwnRowTables.Contains(c.Item1.Split('.')[0])));
        Assert.Equal([("notifications.read_at", "UPDATE")], beyondReads);

        Assert.Empty(await db.PairsAsync(SequencePrivileges, "authenticated"));
        Assert.Empty(await db.PairsAsync(FunctionPrivileges, "authenticated"));
    }

    [Fact]
    public async Task No_function_is_executable_by_public()
    {
        Assert.Empty(await db.PairsAsync(FunctionPrivileges, "public"));
    }

    [Fact]
    public async Task Every_own_row_table_reads_through_a_policy_on_the_jwt_sub()
    {
        var policies = await db.PairsAsync("""
            SELECT tablename || ':' || cmd, coalesce(qual, '') FROM pg_policies
             WHERE schemaname = 'public' AND 'authenticated' = ANY (roles)
            """);
        foreach (var t in OwnRowTables.Where(t => t != "subscription_plans"))
        {
            Assert.Contains(policies, p => p.Item1 == $"{t}:SELECT" && p.Item2.Contains("auth.jwt()", StringComparison.Ordinal)
                && p.Item2.Contains("'sub'", StringComparison.Ordinal) && p.Item2.Contains("user_id", StringComparison.Ordinal));
        }
        Assert.Contains(policies, p => p.Item1 == "notifications:UPDATE" && p.Item2.Contains("auth.jwt()", StringComparison.Ordinal));
        Assert.Contains(policies, p => p.Item1 == "subscription_plans:SELECT" && p.Item2.Contains("is_active", StringComparison.Ordinal));
        // Nothing for anon, and no policy opens a table to every role.
        Assert.Equal(0L, await db.ScalarAsync<long>(
            "SELECT count(*) FROM pg_policies WHERE schemaname = 'public' AND NOT (roles <@ ARRAY['authenticated']::name[])"));
    }

    [Fact]
    public async Task Objects_the_service_role_creates_later_do_not_leak_to_the_api_roles()
    {
        // The default privileges: what a later migration (or a function file re-applied after the
        // migrations) creates as postgres must not be open to anon, authenticated or PUBLIC.
        await using var conn = await db.Postgres.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        await using (var create = new Npgsql.NpgsqlCommand("""
            CREATE TABLE later_table (id bigserial PRIMARY KEY, user_id text);
            CREATE SEQUENCE later_seq;
            CREATE FUNCTION later_fn() RETURNS int LANGUAGE sql AS 'SELECT 1';
            CREATE PROCEDURE later_proc() LANGUAGE sql AS 'SELECT 1';
            """, conn))
        {
            await create.ExecuteNonQueryAsync();
        }
        foreach (var role in new[] { "anon", "authenticated", "public" })
        {
            var leaks = await SupabaseDatabase.ScalarAsync<string>(conn, """
                SELECT concat_ws(',',
                    CASE WHEN has_table_privilege($1::name, 'later_table', 'SELECT,INSERT,UPDATE,DELETE,TRUNCATE,REFERENCES,TRIGGER') THEN 'table' END,
                    CASE WHEN has_sequence_privilege($1::name, 'later_seq', 'USAGE,SELECT,UPDATE') THEN 'sequence' END,
                    CASE WHEN has_sequence_privilege($1::name, 'later_table_id_seq', 'USAGE,SELECT,UPDATE') THEN 'serial' END,
                    CASE WHEN has_function_privilege($1::name, 'later_fn()', 'EXECUTE') THEN 'function' END,
                    CASE WHEN has_function_privilege($1::name, 'later_proc()', 'EXECUTE') THEN 'procedure' END)
                """, role);
            Assert.True(leaks.Length == 0, $"{role} reaches: {leaks}");
        }
        Assert.True(await SupabaseDatabase.ScalarAsync<bool>(conn, """
            SELECT has_table_privilege('service_role', 'later_table', 'SELECT,INSERT,UPDATE,DELETE')
               AND has_sequence_privilege('service_role', 'later_seq', 'USAGE')
               AND has_function_privilege('service_role', 'later_fn()', 'EXECUTE')
            """));
        await tx.RollbackAsync();
    }

    [Fact]
    public async Task Objects_supabase_admin_creates_later_do_not_leak_once_the_migration_has_run_as_supabase_admin()
    {
        // The service migrates as postgres, which may not change supabase_admin's default privileges
        // (0080 warns and says to run it again as supabase_admin); run that way, the platform's
        // own later objects in public are closed to the API roles too.
        var migration = await File.ReadAllTextAsync(Path.Combine(BillingCycle.TestSupport.DedicatedPostgres.RepoRoot(),
            "db", "migrations", "0080_supabase_default_privileges.sql"));
        await using var admin = Npgsql.NpgsqlDataSource.Create(db.SupabaseAdminConnectionString);
        await using var conn = await admin.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        await using (var run = new Npgsql.NpgsqlCommand(migration + """
            ;
            CREATE TABLE later_admin_table (id bigserial PRIMARY KEY);
            CREATE FUNCTION later_admin_fn() RETURNS int LANGUAGE sql AS 'SELECT 1';
            """, conn))
        {
            await run.ExecuteNonQueryAsync();
        }
        foreach (var role in new[] { "anon", "authenticated", "public" })
        {
            var leaks = await SupabaseDatabase.ScalarAsync<string>(conn, """
                SELECT concat_ws(',',
                    CASE WHEN has_table_privilege($1::name, 'later_admin_table', 'SELECT,INSERT,UPDATE,DELETE,TRUNCATE,REFERENCES,TRIGGER') THEN 'table' END,
                    CASE WHEN has_sequence_privilege($1::name, 'later_admin_table_id_seq', 'USAGE,SELECT,UPDATE') THEN 'serial' END,
                    CASE WHEN has_function_privilege($1::name, 'later_admin_fn()', 'EXECUTE') THEN 'function' END)
                """, role);
            Assert.True(leaks.Length == 0, $"{role} reaches: {leaks}");
        }
        await tx.RollbackAsync();
    }
}
