using BillingCycle.Api.Infrastructure.Database;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace BillingCycle.TestSupport;

/// <summary>
/// The real PostgreSQL server the test command started (BILLING_TEST_DATABASE_URL, else the
/// README's local cluster). Each test class gets its own database, cloned from a template that
/// the migrations built once per test run: isolated data, no migration cost per test.
/// </summary>
public static class PostgresServer
{
    private static readonly Lazy<Task<string>> Template = new(CreateTemplateAsync);

    public static NpgsqlConnectionStringBuilder Server()
    {
        var url = Environment.GetEnvironmentVariable("BILLING_TEST_DATABASE_URL");
        var b = DatabaseUrl.Parse(string.IsNullOrWhiteSpace(url) ? DatabaseUrl.LocalDefault : url);
        b.Database = "postgres";
        b.Pooling = false;
        return b;
    }

    public static async Task<TestDatabase> CreateDatabaseAsync()
    {
        var template = await Template.Value;
        var name = "t_" + Guid.NewGuid().ToString("N")[..20];
        await ExecAsync($"CREATE DATABASE \"{name}\" TEMPLATE \"{template}\"");
        var b = Server();
        b.Database = name;
        b.Pooling = true;
        b.MaxPoolSize = 40;
        return new TestDatabase(name, b.ConnectionString);
    }

    /// <summary>An empty database with nothing migrated, for migration tests.</summary>
    public static async Task<TestDatabase> CreateEmptyDatabaseAsync()
    {
        var name = "e_" + Guid.NewGuid().ToString("N")[..20];
        await ExecAsync($"CREATE DATABASE \"{name}\"");
        var b = Server();
        b.Database = name;
        return new TestDatabase(name, b.ConnectionString);
    }

    internal static async Task ExecAsync(string sql)
    {
        await using var conn = new NpgsqlConnection(Server().ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync();
    }

    private static async Task<string> CreateTemplateAsync()
    {
        var name = $"tpl_{Environment.ProcessId}_{DateTime.UtcNow.Ticks}";
        await ExecAsync($"CREATE DATABASE \"{name}\"");
        var b = Server();
        b.Database = name;
        await using (var ds = NpgsqlDataSource.Create(b.ConnectionString))
        {
            var migrator = new Migrator(ds, new DatabaseTarget(name), NullLogger<Migrator>.Instance);
            await migrator.MigrateAsync();
        }
        // The template outlives every test of this process; drop it when the test host exits,
        // so a run started without scripts/test.sh (which also sweeps leftovers) leaves no
        // tpl_* database behind in the developer's cluster.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => DropAtExit(name);
        return name;
    }

    private static void DropAtExit(string database)
    {
        try
        {
            var b = Server();
            b.Timeout = 5;
            b.CommandTimeout = 10;
            using var conn = new NpgsqlConnection(b.ConnectionString);
            conn.Open();
            using var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)", conn);
            cmd.ExecuteNonQuery();
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or TimeoutException)
        {
            // Best effort at exit: scripts/test.sh drops leftovers at its start and end.
        }
    }
}

public sealed class TestDatabase(string name, string connectionString) : IAsyncDisposable
{
    private NpgsqlDataSource? _dataSource;

    public string Name { get; } = name;
    public string ConnectionString { get; } = connectionString;
    public NpgsqlDataSource DataSource => _dataSource ??= NpgsqlDataSource.Create(ConnectionString);

    public async Task<T> ScalarAsync<T>(string sql, params object?[] args)
    {
        await using var cmd = DataSource.CreateCommand(sql);
        foreach (var a in args)
        {
            cmd.Parameters.Add(new NpgsqlParameter { Value = a ?? DBNull.Value });
        }
        var v = await cmd.ExecuteScalarAsync();
        return v is DBNull or null ? default! : (T)Convert.ChangeType(v, Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task<List<T>> ListAsync<T>(string sql, params object?[] args)
    {
        await using var cmd = DataSource.CreateCommand(sql);
        foreach (var a in args)
        {
            cmd.Parameters.Add(new NpgsqlParameter { Value = a ?? DBNull.Value });
        }
        var list = new List<T>();
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync())
        {
            list.Add(r.GetFieldValue<T>(0));
        }
        return list;
    }

    public async Task<int> ExecAsync(string sql, params object?[] args)
    {
        await using var cmd = DataSource.CreateCommand(sql);
        foreach (var a in args)
        {
            cmd.Parameters.Add(new NpgsqlParameter { Value = a ?? DBNull.Value });
        }
        return await cmd.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_dataSource is not null)
        {
            await _dataSource.DisposeAsync();
        }
        NpgsqlConnection.ClearAllPools();
        try
        {
            await PostgresServer.ExecAsync($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)");
        }
        catch (NpgsqlException)
        {
            // Best effort: the test command drops leftovers at its next start.
        }
    }
}
