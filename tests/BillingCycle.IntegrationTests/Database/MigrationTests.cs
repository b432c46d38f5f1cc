using BillingCycle.TestSupport;
using BillingCycle.Api.Infrastructure.Database;
using BillingCycle.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace BillingCycle.IntegrationTests.Database;

public sealed class MigrationTests
{
    [Fact]
    public async Task Migrations_apply_on_an_empty_database_and_are_a_no_op_the_second_time()
    {
        await using var db = await PostgresServer.CreateEmptyDatabaseAsync();
        var migrator = new Migrator(db.DataSource, new DatabaseTarget(db.Name), NullLogger<Migrator>.Instance);

        var first = await migrator.MigrateAsync();
        var second = await migrator.MigrateAsync();

        Assert.Equal(Migrator.LoadMigrations().Select(m => m.Name), first);
        Assert.Empty(second);
        Assert.True(await migrator.IsUpToDateAsync(default));
        Assert.Equal(first.Count, await db.ScalarAsync<long>("SELECT count(*) FROM schema_migrations"));
    }

    [Fact]
    public async Task Concurrent_migrators_apply_each_migration_once()
    {
        await using var db = await PostgresServer.CreateEmptyDatabaseAsync();
        var runs = Enumerable.Range(0, 4).Select(_ =>
            new Migrator(db.DataSource, new DatabaseTarget(db.Name), NullLogger<Migrator>.Instance).MigrateAsync());

        var results = await Task.WhenAll(runs);

        Assert.Equal(Migrator.LoadMigrations().Count, results.Sum(r => r.Count));
    }

    [Fact]
    public async Task Every_spec_table_exists_with_row_level_security_enabled()
    {
        await using var db = await PostgresServer.CreateDatabaseAsync();
        string[] tables = ["users", "subscription_plans", "subscriptions", "invoices", "payments", "payment_retries",
            "credit_balances", "credit_transactions", "notifications", "billing_logs", "webhook_events", "job_runs"];
        foreach (var t in tables)
        {
            Assert.True(await db.ScalarAsync<bool>(
                "SELECT relrowsecurity FROM pg_class WHERE relname = $1 AND relkind = 'r'", t), $"{t}: RLS");
        }
        // And every other table, the migrator's own schema_migrations included (contract §10.2).
        var without = await db.ListAsync<string>("""
            SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relrowsecurity
            """);
        Assert.Empty(without);
        Assert.True(await db.ScalarAsync<bool>("SELECT relrowsecurity FROM pg_class WHERE oid = 'schema_migrations'::regclass"));
    }

    [Fact]
    public async Task On_plain_postgresql_no_function_is_executable_by_public()
    {
        // contract §10.2 holds without Supabase's roles too; the policies are simply not created.
        await using var db = await PostgresServer.CreateDatabaseAsync();
        Assert.Empty(await db.ListAsync<string>("""
            SELECT f.oid::regprocedure::text FROM pg_proc f JOIN pg_namespace n ON n.oid = f.pronamespace
             WHERE n.nspname = 'public' AND has_function_privilege('public', f.oid, 'EXECUTE')
            """));
        Assert.True(await db.ScalarAsync<long>("SELECT count(*) FROM pg_proc WHERE proname = 'reset_interaction_credits'") > 0);
        Assert.Equal(0L, await db.ScalarAsync<long>("SELECT count(*) FROM pg_policies WHERE schemaname = 'public'"));
    }

    [Fact]
    public async Task The_eight_seed_functions_exist_with_the_seed_parameter_names()
    {
        await using var db = await PostgresServer.CreateDatabaseAsync();
        var expected = new Dictionary<string, string[]>
        {
            ["reset_interaction_credits"] = ["p_user_id", "p_amount", "p_reference_id", "p_description"],
            ["add_scraper_credits"] = ["p_user_id", "p_amount", "p_reference_id", "p_description"],
            ["get_credit_balance"] = ["p_user_id", "p_credit_type"],
            ["log_billing_event"] = ["p_event_type", "p_subscription_id", "p_user_id", "p_status", "p_details", "p_error_message"],
            ["get_subscriptions_due_for_renewal"] = ["p_check_date"],
            ["get_subscriptions_with_pending_retries"] = ["p_check_date"],
            ["schedule_payment_retry"] = ["p_subscription_id", "p_attempt_number", "p_retry_date"],
            ["cancel_subscription"] = ["p_subscription_id", "p_reason"],
        };
        foreach (var (fn, args) in expected)
        {
            var names = await db.ScalarAsync<string>(
                "SELECT array_to_string(proargnames, ',') FROM pg_proc WHERE proname = $1", fn);
            Assert.NotNull(names);
            Assert.StartsWith(string.Join(',', args), names, StringComparison.Ordinal);
        }
    }
}
