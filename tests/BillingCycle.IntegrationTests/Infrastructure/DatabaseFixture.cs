using BillingCycle.TestSupport;

namespace BillingCycle.IntegrationTests.Infrastructure;

/// <summary>One freshly cloned database per test class.</summary>
public sealed class DatabaseFixture : IAsyncLifetime
{
    public TestDatabase Db { get; private set; } = null!;

    public async Task InitializeAsync() => Db = await PostgresServer.CreateDatabaseAsync();

    public async Task DisposeAsync() => await Db.DisposeAsync();
}
