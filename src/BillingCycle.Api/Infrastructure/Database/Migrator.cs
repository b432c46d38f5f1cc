using Npgsql;

namespace BillingCycle.Api.Infrastructure.Database;

/// <summary>
/// Brings the database to the shape of db/: first every numbered migration not yet applied (each
/// once, in name order, each in its own transaction, recorded in schema_migrations), then every
/// function file whose checksum differs from the one recorded in schema_functions (together, in
/// one transaction). A session advisory lock serializes instances that start together; the
/// others wait and then find nothing left to do.
/// </summary>
public sealed partial class Migrator(NpgsqlDataSource dataSource, DatabaseTarget target, ILogger<Migrator> logger)
{
    // Arbitrary constant shared by every instance: "BCMIGRAT".
    private const long MigrationLockKey = 0x42434D4947524154;

    public static IReadOnlyList<(string Name, string Sql)> LoadMigrations() =>
        SqlScripts.Migrations.Select(m => (m.Name, m.Sql)).ToList();

    /// <summary>Applies what is missing; returns the names of the migrations applied by this call.</summary>
    public async Task<IReadOnlyList<string>> MigrateAsync(CancellationToken ct = default)
    {
        await using var conn = await OpenAsync(ct);
        await ExecAsync(conn, "SELECT pg_advisory_lock($1)", ct, MigrationLockKey);
        try
        {
            await ExecAsync(conn, """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    name       text PRIMARY KEY,
                    checksum   text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now());
                CREATE TABLE IF NOT EXISTS schema_functions (
                    file       text PRIMARY KEY,
                    checksum   text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now());
                -- Like every table (contract §3, §10.2): no role but the owner may read or rewrite the
                -- record. Only when still off, so a migrating role that does not own them can start.
                DO $$ BEGIN
                    IF NOT (SELECT relrowsecurity FROM pg_class WHERE oid = 'schema_migrations'::regclass) THEN
                        ALTER TABLE schema_migrations ENABLE ROW LEVEL SECURITY;
                    END IF;
                    IF NOT (SELECT relrowsecurity FROM pg_class WHERE oid = 'schema_functions'::regclass) THEN
                        ALTER TABLE schema_functions ENABLE ROW LEVEL SECURITY;
                    END IF;
                END $$;
                """, ct);
            var applied = await ApplyMigrationsAsync(conn, ct);
            await ApplyFunctionsAsync(conn, ct);
            return applied;
        }
        finally
        {
            await ExecAsync(conn, "SELECT pg_advisory_unlock($1)", CancellationToken.None, MigrationLockKey);
        }
    }

    private async Task<List<string>> ApplyMigrationsAsync(NpgsqlConnection conn, CancellationToken ct)
    {
        var done = await RecordedAsync(conn, "SELECT name, checksum FROM schema_migrations", ct);
        var applied = new List<string>();
        foreach (var m in SqlScripts.Migrations)
        {
            if (done.TryGetValue(m.Name, out var recorded))
            {
                if (recorded == m.Checksum)
                {
                    continue;
                }
                if (RewrittenMigrations.PreviousChecksums.TryGetValue(m.Name, out var previous) && previous.Contains(recorded, StringComparer.Ordinal))
                {
                    await ExecAsync(conn, "UPDATE schema_migrations SET checksum = $2 WHERE name = $1", ct, m.Name, m.Checksum);
                    LogRewrittenAccepted(logger, m.Name);
                    continue;
                }
                // An applied migration is never run again: a change to it would reach fresh databases only.
                LogChangedNotRun(logger, m.Name);
                continue;
            }

            await using var tx = await conn.BeginTransactionAsync(ct);
            await RunAsync(conn, tx, m, ct);
            await ExecAsync(conn, "INSERT INTO schema_migrations (name, checksum) VALUES ($1, $2)", ct, m.Name, m.Checksum);
            await tx.CommitAsync(ct);
            LogApplied(logger, m.Name);
            applied.Add(m.Name);
        }
        return applied;
    }

    /// <summary>Function files are CREATE OR REPLACE scripts: applying one again is how it changes.</summary>
    private async Task ApplyFunctionsAsync(NpgsqlConnection conn, CancellationToken ct)
    {
        var done = await RecordedAsync(conn, "SELECT file, checksum FROM schema_functions", ct);
        var changed = SqlScripts.Functions.Where(f => !done.TryGetValue(f.Name, out var c) || c != f.Checksum).ToList();
        if (changed.Count == 0)
        {
            return;
        }
        await using var tx = await conn.BeginTransactionAsync(ct);
        foreach (var f in changed)
        {
            await RunAsync(conn, tx, f, ct);
            await ExecAsync(conn, """
                INSERT INTO schema_functions (file, checksum) VALUES ($1, $2)
                ON CONFLICT (file) DO UPDATE SET checksum = excluded.checksum, applied_at = now()
                """, ct, f.Name, f.Checksum);
        }
        await tx.CommitAsync(ct);
        LogFunctionsApplied(logger, string.Join(", ", changed.Select(f => f.Name)));
    }

    /// <summary>True when every migration is recorded and every function file is applied as it is now: used by /health/ready.</summary>
    public async Task<bool> IsUpToDateAsync(CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        try
        {
            var migrations = await RecordedAsync(conn, "SELECT name, checksum FROM schema_migrations", ct);
            var functions = await RecordedAsync(conn, "SELECT file, checksum FROM schema_functions", ct);
            return SqlScripts.Migrations.All(m => migrations.ContainsKey(m.Name))
                && SqlScripts.Functions.All(f => functions.TryGetValue(f.Name, out var c) && c == f.Checksum);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return false;
        }
    }

    private static async Task RunAsync(NpgsqlConnection conn, NpgsqlTransaction tx, SqlScript script, CancellationToken ct)
    {
        try
        {
            await using var apply = new NpgsqlCommand(script.Sql, conn, tx);
            await apply.ExecuteNonQueryAsync(ct);
        }
        catch (PostgresException ex)
        {
            throw new StartupException($"{script.Name} failed: {ex.SqlState}: {ex.MessageText}"
                + (ex.Position > 0 ? $" (at character {ex.Position})" : ""), ex);
        }
    }

    private static async Task<Dictionary<string, string>> RecordedAsync(NpgsqlConnection conn, string sql, CancellationToken ct)
    {
        var done = new Dictionary<string, string>(StringComparer.Ordinal);
        await using var cmd = new NpgsqlCommand(sql, conn);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            done[r.GetString(0)] = r.GetString(1);
        }
        return done;
    }

    private static async Task ExecAsync(NpgsqlConnection conn, string sql, CancellationToken ct, params object[] args)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        foreach (var a in args)
        {
            cmd.Parameters.AddWithValue(a);
        }
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private async Task<NpgsqlConnection> OpenAsync(CancellationToken ct)
    {
        try
        {
            return await dataSource.OpenConnectionAsync(ct);
        }
        catch (Exception ex) when (ex is NpgsqlException or System.Net.Sockets.SocketException or TimeoutException)
        {
            throw new StartupException($"cannot reach the database at {target.Description}: {FirstLine(ex)}", ex);
        }
    }

    private static string FirstLine(Exception ex)
    {
        var m = ex is PostgresException pg ? $"{pg.SqlState}: {pg.MessageText}" : ex.InnerException?.Message ?? ex.Message;
        return m.Split('\n')[0].Trim();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied migration {Migration}")]
    private static partial void LogApplied(ILogger logger, string migration);

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied function files: {Files}")]
    private static partial void LogFunctionsApplied(ILogger logger, string files);

    [LoggerMessage(Level = LogLevel.Information, Message = "Migration {Migration} was rewritten (its functions moved to db/functions/); recorded its new checksum")]
    private static partial void LogRewrittenAccepted(ILogger logger, string migration);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Migration {Migration} changed after it was applied; it is not run again")]
    private static partial void LogChangedNotRun(ILogger logger, string migration);
}

/// <summary>Runs the migrations before the server starts taking requests.</summary>
internal sealed class MigrateOnStart(Migrator migrator) : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken) => migrator.MigrateAsync(cancellationToken);
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
