using BillingCycle.Api.Infrastructure.Database;
using BillingCycle.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace BillingCycle.ProcessTests;

/// <summary>
/// A PostgreSQL cluster of the test class's own, for tests that crash it (never the shared cluster
/// scripts/test.sh started): production's commit settings (<see cref="DedicatedPostgres.CrashSettings"/>),
/// migrated once into a template that each test clones. Thrown away with everything in it at the end.
/// </summary>
public sealed class CrashCluster : IAsyncLifetime
{
    /// <summary>The classes that crash it share one cluster and run one after another.</summary>
    public const string Collection = "postgres crashes";

    private const string Template = "billing";

    public DedicatedPostgres Pg { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Pg = await DedicatedPostgres.StartAsync(database: Template, settings: DedicatedPostgres.CrashSettings);
        await MigratedAsync(Pg);
    }

    /// <summary>The cluster's own database, migrated (as the API would at start-up).</summary>
    public static async Task<TestDatabase> MigratedAsync(DedicatedPostgres pg)
    {
        await using (var ds = NpgsqlDataSource.Create(pg.ConnectionString))
        {
            await new Migrator(ds, new DatabaseTarget(pg.Database), NullLogger<Migrator>.Instance).MigrateAsync();
        }
        return new TestDatabase(pg.Database, pg.ConnectionString + ";Maximum Pool Size=40");
    }

    /// <summary>A fresh database cloned from the migrated template (the cluster goes at the end, so it is never dropped).</summary>
    public async Task<TestDatabase> CreateDatabaseAsync()
    {
        var name = "c_" + Guid.NewGuid().ToString("N")[..16];
        await using (var conn = new NpgsqlConnection(Pg.ConnectionStringFor(Pg.Superuser, "postgres") + ";Pooling=false"))
        {
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand($"CREATE DATABASE \"{name}\" TEMPLATE \"{Template}\"", conn);
            await cmd.ExecuteNonQueryAsync();
        }
        return new TestDatabase(name, Pg.ConnectionStringFor(Pg.Superuser, name) + ";Maximum Pool Size=40");
    }

    /// <summary>Starts the cluster again after a crash; the test's own pooled connections died with it.</summary>
    public async Task RecoverAsync(TestDatabase db)
    {
        await Pg.StartAgainAsync();
        db.DataSource.Clear();
    }

    public async Task DisposeAsync() => await Pg.DisposeAsync();
}

[CollectionDefinition(CrashCluster.Collection)]
public sealed class CrashClusterCollection : ICollectionFixture<CrashCluster>;
