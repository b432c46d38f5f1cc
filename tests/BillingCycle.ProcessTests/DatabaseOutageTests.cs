using System.Net;
using BillingCycle.IPaymu.StandIn;
using BillingCycle.TestSupport;

namespace BillingCycle.ProcessTests;

public sealed class DatabaseOutageTests
{
    [Fact]
    public async Task PostgreSQL_stopped_for_10_seconds_during_a_renewal_and_a_callback_storm_loses_nothing()
    {
        ResilienceReport.Scenario();
        await using var pg = await DedicatedPostgres.StartAsync();
        var db = new TestDatabase("billing", pg.ConnectionString); // the whole cluster is thrown away at the end
        await using var world = await ProcessWorld.StartAsync(db: db);
        var api = await world.StartApiAsync(new() { ["BILLING_TEST_CLOCK"] = "2026-11-01T02:00:00Z" });
        await world.SeedDueAsync(300);
        await world.StandIn.SetFaultsAsync(new StandInFaults { LatencyMs = 30 });

        // 1. The database goes away in the middle of a renewal.
        var renew = ProcessWorld.PostJsonAsync(api.Cron, "/api/billing/renew");
        await Task.Delay(1_000);
        await pg.StopAsync();
        ResilienceReport.Faults(1);
        var health = await api.Http.GetAsync(new Uri("/api/billing/health", UriKind.Relative));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        await Task.Delay(10_000);
        await pg.StartAgainAsync();
        try
        {
            await renew;
        }
        catch (HttpRequestException)
        {
            // The run itself may fail; what matters is what the next run finishes.
        }
        await world.StandIn.SetFaultsAsync(new StandInFaults());
        db.DataSource.Clear(); // the test's own pooled connections died with the server
        Assert.Equal(HttpStatusCode.OK, await Eventually(async () => (await api.Http.GetAsync(new Uri("/api/billing/health", UriKind.Relative))).StatusCode, HttpStatusCode.OK));
        for (var i = 0; i < 3; i++)
        {
            await ProcessWorld.PostJsonAsync(api.Cron, "/api/billing/renew");
        }
        Assert.Equal(300, await db.ScalarAsync<long>("SELECT count(*) FROM invoices"));
        Assert.Equal(300, await db.ScalarAsync<long>("SELECT count(*) FROM payments WHERE session_id IS NOT NULL"));
        await world.AssertInvariantsAsync();

        // 2. A storm of paid callbacks arrives while the database is down: 503, then resent and applied once.
        var references = await ReferencesAsync(db);
        var callbacks = references.Take(100).Select(r => world.StandIn.Act(r, "pay")).ToList();
        await pg.StopAsync();
        ResilienceReport.Faults(1);
        var during = await Task.WhenAll(callbacks.Select(cb => world.StandIn.Callbacks.DeliverAsync(cb, CancellationToken.None)));
        Assert.All(during, d => Assert.Equal(503, d.StatusCode));
        await Task.Delay(10_000);
        await pg.StartAgainAsync();

        var pending = callbacks.ToList();
        for (var round = 0; round < 20 && pending.Count > 0; round++)
        {
            var results = await Task.WhenAll(pending.Select(cb => world.StandIn.Callbacks.DeliverAsync(cb, CancellationToken.None)));
            pending = pending.Where((_, i) => !results[i].Delivered).ToList();
            if (pending.Count > 0)
            {
                await Task.Delay(500);
            }
        }
        Assert.Empty(pending);
        db.DataSource.Clear();
        Assert.Equal(100, await db.ScalarAsync<long>("SELECT count(*) FROM invoices WHERE status = 'paid'"));
        Assert.Equal(200, await db.ScalarAsync<long>("SELECT count(*) FROM credit_transactions"));
        Assert.False(api.HasExited);
        await world.AssertInvariantsAsync();
    }

    private static async Task<T> Eventually<T>(Func<Task<T>> read, T expected)
    {
        T value = await read();
        for (var i = 0; i < 100 && !Equals(value, expected); i++)
        {
            await Task.Delay(100);
            value = await read();
        }
        return value;
    }

    private static async Task<List<string>> ReferencesAsync(TestDatabase db)
    {
        var list = new List<string>();
        await using var cmd = db.DataSource.CreateCommand("SELECT reference_id FROM payments ORDER BY reference_id");
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync())
        {
            list.Add(r.GetString(0));
        }
        return list;
    }
}
