using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using BillingCycle.Api.Infrastructure.Database;
using BillingCycle.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace BillingCycle.IntegrationTests.Database;

/// <summary>
/// A database migrated by yesterday's main (migrations 0001–0009 with the functions inside them)
/// must reach exactly the schema a fresh database gets from today's db/migrations + db/functions.
/// </summary>
public sealed partial class SchemaUpgradeTests
{
    [Fact]
    public async Task A_database_migrated_by_the_old_layout_upgrades_to_exactly_the_fresh_schema()
    {
        await using var upgraded = await PostgresServer.CreateEmptyDatabaseAsync();
        await ApplyLegacyMigrationsAsync(upgraded);
        await MigratorFor(upgraded).MigrateAsync();

        await using var fresh = await PostgresServer.CreateEmptyDatabaseAsync();
        await MigratorFor(fresh).MigrateAsync();

        var difference = SchemaCatalog.Difference(await SchemaCatalog.ReadAsync(upgraded), await SchemaCatalog.ReadAsync(fresh));
        Assert.True(difference.Count == 0, "schemas differ:\n" + string.Join('\n', difference.Take(20)));
        Assert.True(await MigratorFor(upgraded).IsUpToDateAsync(default));
        // The rewritten migrations are recorded with today's checksums, so nothing warns again.
        foreach (var m in SqlScripts.Migrations)
        {
            Assert.Equal(m.Checksum, await upgraded.ScalarAsync<string>("SELECT checksum FROM schema_migrations WHERE name = $1", m.Name));
        }
    }

    [Fact]
    public async Task The_comparison_sees_a_function_body_changed_on_one_path_only()
    {
        await using var a = await PostgresServer.CreateEmptyDatabaseAsync();
        await MigratorFor(a).MigrateAsync();
        await using var b = await PostgresServer.CreateEmptyDatabaseAsync();
        await MigratorFor(b).MigrateAsync();
        Assert.Empty(SchemaCatalog.Difference(await SchemaCatalog.ReadAsync(a), await SchemaCatalog.ReadAsync(b)));

        // As if a later migration restated days_text for fresh databases only.
        await b.ExecAsync("""
            CREATE OR REPLACE FUNCTION days_text(p_days integer) RETURNS text
            LANGUAGE sql IMMUTABLE AS $$ SELECT p_days || ' day(s)' $$
            """);

        var difference = SchemaCatalog.Difference(await SchemaCatalog.ReadAsync(a), await SchemaCatalog.ReadAsync(b));
        Assert.Equal(2, difference.Count);
        Assert.All(difference, line => Assert.Contains("function days_text(", line, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_function_file_is_applied_again_when_its_checksum_changes()
    {
        await using var db = await PostgresServer.CreateEmptyDatabaseAsync();
        await MigratorFor(db).MigrateAsync();
        var original = await db.ScalarAsync<string>("SELECT days_text(2)");
        await db.ExecAsync("CREATE OR REPLACE FUNCTION days_text(p_days integer) RETURNS text LANGUAGE sql AS $$ SELECT 'tampered' $$");
        Assert.True(await MigratorFor(db).IsUpToDateAsync(default)); // the record still matches the file

        await db.ExecAsync("UPDATE schema_functions SET checksum = 'old' WHERE file = 'common.sql'");
        Assert.False(await MigratorFor(db).IsUpToDateAsync(default));
        await MigratorFor(db).MigrateAsync();

        Assert.Equal("2 days", original);
        Assert.Equal(original, await db.ScalarAsync<string>("SELECT days_text(2)"));
        Assert.True(await MigratorFor(db).IsUpToDateAsync(default));
    }

    [Fact]
    public async Task A_changed_migration_that_was_already_applied_is_not_run_again()
    {
        await using var db = await PostgresServer.CreateEmptyDatabaseAsync();
        await MigratorFor(db).MigrateAsync();
        await db.ExecAsync("UPDATE schema_migrations SET checksum = 'something else' WHERE name = '0006_job_schedule.sql'");
        await db.ExecAsync("DROP INDEX job_runs_one_per_occurrence");

        Assert.Empty(await MigratorFor(db).MigrateAsync());
        Assert.False(await db.ScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM pg_indexes WHERE indexname = 'job_runs_one_per_occurrence')"));
        Assert.Equal("something else", await db.ScalarAsync<string>("SELECT checksum FROM schema_migrations WHERE name = '0006_job_schedule.sql'"));
    }

    [Fact]
    public void Every_function_is_created_in_exactly_one_file_and_never_in_a_migration()
    {
        var creators = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
        foreach (var (folder, scripts) in new[] { ("migrations", SqlScripts.Migrations), ("functions", SqlScripts.Functions) })
        {
            foreach (var s in scripts)
            {
                foreach (Match m in CreateFunction().Matches(s.Sql))
                {
                    var name = m.Groups["name"].Value;
                    (creators.TryGetValue(name, out var list) ? list : creators[name] = []).Add($"{folder}/{s.Name}");
                }
            }
        }
        Assert.NotEmpty(creators);
        Assert.All(creators, c => Assert.True(c.Value.Count == 1, $"{c.Key} is created in {string.Join(", ", c.Value)}"));
        Assert.All(creators, c => Assert.StartsWith("functions/", c.Value[0], StringComparison.Ordinal));
    }

    /// <summary>What the migrator of main before 2026-12-01 did: each file once, recorded with its checksum.</summary>
    private static async Task ApplyLegacyMigrationsAsync(TestDatabase db)
    {
        await db.ExecAsync("""
            CREATE TABLE schema_migrations (
                name text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())
            """);
        var folder = Path.Combine(AppContext.BaseDirectory, "Database", "Legacy");
        var files = Directory.GetFiles(folder, "*.sql").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(9, files.Count);
        await using var conn = await db.DataSource.OpenConnectionAsync();
        foreach (var file in files)
        {
            var sql = await File.ReadAllTextAsync(file);
            await using var tx = await conn.BeginTransactionAsync();
            await using (var apply = new NpgsqlCommand(sql, conn, tx))
            {
                await apply.ExecuteNonQueryAsync();
            }
            await using (var record = new NpgsqlCommand("INSERT INTO schema_migrations (name, checksum) VALUES ($1, $2)", conn, tx))
            {
                record.Parameters.AddWithValue(Path.GetFileName(file));
                record.Parameters.AddWithValue(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sql))));
                await record.ExecuteNonQueryAsync();
            }
            await tx.CommitAsync();
        }
    }

    private static Migrator MigratorFor(TestDatabase db) =>
        new(db.DataSource, new DatabaseTarget(db.Name), NullLogger<Migrator>.Instance);

    [GeneratedRegex(@"CREATE\s+(?:OR\s+REPLACE\s+)?FUNCTION\s+(?:public\.)?(?<name>\w+)\s*\(", RegexOptions.IgnoreCase)]
    private static partial Regex CreateFunction();
}
