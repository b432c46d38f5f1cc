using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace BillingCycle.Api.Infrastructure.Database;

/// <summary>
/// Applies db/migrations/*.sql (embedded in this assembly) in name order, each once, each in its
/// own transaction, recorded in schema_migrations. A session advisory lock serializes instances
/// that start together; the others wait and then find nothing left to do.
/// </summary>
public sealed class Migrator(NpgsqlDataSource dataSource, DatabaseTarget target, ILogger<Migrator> logger)
{
    // Arbitrary constant shared by every instance: "BCMIGRAT".
    private const long MigrationLockKey = 0x42434D4947524154;

    public static IReadOnlyList<(string Name, string Sql)> LoadMigrations()
    {
        var asm = typeof(Migrator).Assembly;
        return asm.GetManifestResourceNames()
            .Where(n => n.StartsWith("migrations/", StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(n => (n["migrations/".Length..], Read(asm, n)))
            .ToList();
    }

    public async Task<IReadOnlyList<string>> MigrateAsync(CancellationToken ct = default)
    {
        var applied = new List<string>();
        await using var conn = await OpenAsync(ct);

        await using (var lockCmd = new NpgsqlCommand("SELECT pg_advisory_lock($1)", conn))
        {
            lockCmd.Parameters.AddWithValue(MigrationLockKey);
            await lockCmd.ExecuteNonQueryAsync(ct);
        }

        try
        {
            await using (var create = new NpgsqlCommand("""
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    name       text PRIMARY KEY,
                    checksum   text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now())
                """, conn))
            {
                await create.ExecuteNonQueryAsync(ct);
            }

            var done = new Dictionary<string, string>(StringComparer.Ordinal);
            await using (var list = new NpgsqlCommand("SELECT name, checksum FROM schema_migrations", conn))
            await using (var r = await list.ExecuteReaderAsync(ct))
            {
                while (await r.ReadAsync(ct))
                {
                    done[r.GetString(0)] = r.GetString(1);
                }
            }

            foreach (var (name, sql) in LoadMigrations())
            {
                var checksum = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sql)));
                if (done.TryGetValue(name, out var recorded))
                {
                    if (recorded != checksum)
                    {
                        logger.LogWarning("Migration {Migration} changed after it was applied; it is not run again", name);
                    }
                    continue;
                }

                await using var tx = await conn.BeginTransactionAsync(ct);
                try
                {
                    await using (var apply = new NpgsqlCommand(sql, conn, tx))
                    {
                        await apply.ExecuteNonQueryAsync(ct);
                    }
                    await using (var record = new NpgsqlCommand(
                        "INSERT INTO schema_migrations (name, checksum) VALUES ($1, $2)", conn, tx))
                    {
                        record.Parameters.AddWithValue(name);
                        record.Parameters.AddWithValue(checksum);
                        await record.ExecuteNonQueryAsync(ct);
                    }
                    await tx.CommitAsync(ct);
                }
                catch (PostgresException ex)
                {
                    throw new StartupException($"migration {name} failed: {ex.SqlState}: {ex.MessageText}"
                        + (ex.Position > 0 ? $" (at character {ex.Position})" : ""), ex);
                }

                logger.LogInformation("Applied migration {Migration}", name);
                applied.Add(name);
            }
        }
        finally
        {
            await using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock($1)", conn);
            unlock.Parameters.AddWithValue(MigrationLockKey);
            await unlock.ExecuteNonQueryAsync(CancellationToken.None);
        }

        return applied;
    }

    /// <summary>True when every embedded migration is recorded: used by /health/ready.</summary>
    public async Task<bool> IsUpToDateAsync(CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var cmd = new NpgsqlCommand(
            "SELECT count(*) FROM schema_migrations WHERE name = ANY($1)", conn);
        var names = LoadMigrations().Select(m => m.Name).ToArray();
        cmd.Parameters.AddWithValue(names);
        try
        {
            return (long)(await cmd.ExecuteScalarAsync(ct))! == names.Length;
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return false;
        }
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

    private static string Read(Assembly asm, string name)
    {
        using var s = asm.GetManifestResourceStream(name)!;
        using var reader = new StreamReader(s, Encoding.UTF8);
        return reader.ReadToEnd();
    }
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
