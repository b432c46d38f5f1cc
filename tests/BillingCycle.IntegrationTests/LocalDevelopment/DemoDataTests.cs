using System.Diagnostics;
using BillingCycle.IntegrationTests.Infrastructure;
using BillingCycle.TestSupport;
using Npgsql;

namespace BillingCycle.IntegrationTests.LocalDevelopment;

/// <summary>
/// run.sh loads the demo data with psql, dated from the billing clock it passes: typed at 10:59,
/// loaded at 11:00, Ayu is still due at the test clock's hour.
/// </summary>
public sealed class DemoDataTests
{
    private static async Task LoadAsync(TestDatabase db, string? demoNow)
    {
        var b = new NpgsqlConnectionStringBuilder(db.ConnectionString);
        var conninfo = $"host={b.Host} port={b.Port} user={b.Username} dbname={b.Database}";
        var psi = new ProcessStartInfo("psql", [conninfo, "-q", "-v", "ON_ERROR_STOP=1", .. demoNow is null ? Array.Empty<string>() : ["-v", "demo_now=" + demoNow],
            "-f", Path.Combine(DedicatedPostgres.RepoRoot(), "db", "demo", "demo-data.sql")])
        { RedirectStandardError = true, RedirectStandardOutput = true };
        using var p = Process.Start(psi)!;
        var err = await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        Assert.True(p.ExitCode == 0, err);
    }

    [Fact]
    public async Task With_a_clock_the_demo_periods_end_at_its_hour_and_a_week_later()
    {
        await using var db = await PostgresServer.CreateDatabaseAsync();
        await LoadAsync(db, "2026-03-05T23:00:00Z");

        var ayu = await db.ScalarAsync<DateTime>("SELECT current_period_end FROM subscriptions WHERE user_id = 'user_demo_ayu'");
        var budi = await db.ScalarAsync<DateTime>("SELECT current_period_end FROM subscriptions WHERE user_id = 'user_demo_budi'");
        Assert.Equal(new DateTime(2026, 3, 5, 23, 0, 0, DateTimeKind.Utc), ayu.ToUniversalTime());
        Assert.Equal(new DateTime(2026, 3, 12, 23, 0, 0, DateTimeKind.Utc), budi.ToUniversalTime());
    }

    [Fact]
    public async Task Without_one_they_are_dated_from_the_database_s_clock()
    {
        await using var db = await PostgresServer.CreateDatabaseAsync();
        await LoadAsync(db, null);

        var ayu = await db.ScalarAsync<DateTime>("SELECT current_period_end FROM subscriptions WHERE user_id = 'user_demo_ayu'");
        Assert.InRange(DateTime.UtcNow - ayu.ToUniversalTime(), TimeSpan.Zero, TimeSpan.FromHours(1));
    }
}
