using System.Net.Http.Json;
using System.Text.Json;
using BillingCycle.IPaymu.StandIn;
using BillingCycle.TestSupport;

namespace BillingCycle.ProcessTests;

/// <summary>A database, the iPaymu stand-in, and API processes started on demand against them.</summary>
public sealed class ProcessWorld : IAsyncDisposable
{
    private readonly List<ApiProcess> _apis = [];

    private readonly bool _ownsDb;

    private ProcessWorld(TestDatabase db, StandInHost standIn, bool ownsDb)
    {
        Db = db;
        StandIn = standIn;
        _ownsDb = ownsDb;
    }

    public TestDatabase Db { get; }
    public StandInHost StandIn { get; }

    /// <param name="db">A database the caller owns (it is not dropped at the end); null for a fresh one.</param>
    public static async Task<ProcessWorld> StartAsync(Action<StandInOptions>? standIn = null, TestDatabase? db = null) =>
        new(db ?? await PostgresServer.CreateDatabaseAsync(), await StandInHost.StartAsync(standIn), ownsDb: db is null);

    public async Task<ApiProcess> StartApiAsync(Dictionary<string, string>? env = null, int? port = null)
    {
        var all = new Dictionary<string, string>
        {
            ["DATABASE_URL"] = Db.ConnectionString,
            ["IPAYMU_BASE_URL"] = StandIn.BaseUrl.ToString().TrimEnd('/'),
        };
        foreach (var (k, v) in env ?? [])
        {
            all[k] = v;
        }
        var api = await ApiProcess.StartAsync(all, port);
        lock (_apis)
        {
            _apis.Add(api);
        }
        return api;
    }

    /// <summary>N subscriptions whose period ended at 2026-11-01 00:00 UTC.</summary>
    public async Task SeedDueAsync(int count, long price = 149_000, string prefix = "u")
    {
        var plan = await Seed.PlanAsync(Db, price);
        await Db.ExecAsync("""
            INSERT INTO users (id, email, full_name, phone)
            SELECT $2 || g, $2 || g || '@example.com', 'Customer ' || g, '0812' || lpad(g::text, 7, '0') FROM generate_series(1, $1) g
            """, count, prefix);
        await Db.ExecAsync("""
            INSERT INTO subscriptions (user_id, plan_id, billing_anchor, current_period_start, current_period_end)
            SELECT $3 || g, $2, timestamptz '2026-10-01 00:00Z', timestamptz '2026-10-01 00:00Z', timestamptz '2026-11-01 00:00Z'
              FROM generate_series(1, $1) g
            """, count, plan, prefix);
    }

    public static async Task<JsonElement> PostJsonAsync(HttpClient client, string path, object? body = null)
    {
        using var res = body is null ? await client.PostAsync(new Uri(path, UriKind.Relative), null) : await client.PostAsJsonAsync(path, body);
        var text = await res.Content.ReadAsStringAsync();
        if (!res.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"{path}: {(int)res.StatusCode} {text}");
        }
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Every invariant over the whole history.</summary>
    /// <param name="clockNow">The API's clock now, when it runs on BILLING_TEST_CLOCK and has deliveries to judge.</param>
    /// <param name="outboxSettles">See <see cref="SettledAsync"/>.</param>
    public async Task AssertInvariantsAsync(DateTimeOffset? afterJobRunAt = null, DateTimeOffset? clockNow = null, Func<Task>? outboxSettles = null) =>
        Judge(await SettledAsync(() => InvariantChecker.CheckAsync(Db.DataSource, scope: null, afterJobRunAt, clockNow), outboxSettles));

    /// <summary>Every invariant over what changed since the previous call (needs <see cref="InvariantChangeLog"/> installed); returns what changed.</summary>
    public async Task<InvariantScope> AssertChangedInvariantsAsync(DateTimeOffset? afterJobRunAt = null, DateTimeOffset? clockNow = null,
                                                                   DateTimeOffset? afterHousekeepingAt = null, Func<Task>? outboxSettles = null)
    {
        var scope = await InvariantChangeLog.TakeAsync(Db.DataSource);
        Judge(await SettledAsync(() => InvariantChecker.CheckAsync(Db.DataSource, scope, afterJobRunAt, clockNow, afterHousekeepingAt), outboxSettles));
        return scope;
    }

    /// <summary>
    /// The check's violations; when <paramref name="outboxSettles"/> is given and overdue deliveries
    /// are all that was found, it is awaited (it waits for the delivery workers) and the check made
    /// again, up to ten times. For several instances on test clocks: one restarted at the clock of
    /// its crash leases what its worker claims in the past (on its own clock) until it rejoins, so a
    /// send in flight can look overdue for a moment; a delivery truly left behind stays overdue.
    /// </summary>
    private static async Task<List<InvariantChecker.Violation>> SettledAsync(Func<Task<List<InvariantChecker.Violation>>> check, Func<Task>? outboxSettles)
    {
        var found = await check();
        for (var i = 0; i < 10 && outboxSettles is not null && found.Count > 0
                        && found.All(v => v.Rule == InvariantChecker.OverdueDeliveriesRule); i++)
        {
            await outboxSettles();
            found = await check();
        }
        return found;
    }

    private static void Judge(List<InvariantChecker.Violation> violations)
    {
        ResilienceReport.Checked(violations.Count);
        Assert.True(violations.Count == 0, "invariants violated:\n" + InvariantChecker.Describe(violations));
    }

    public async ValueTask DisposeAsync()
    {
        // A snapshot: an instance restarting in the background may still be added.
        ApiProcess[] apis;
        lock (_apis)
        {
            apis = [.. _apis];
        }
        foreach (var api in apis)
        {
            await api.DisposeAsync();
        }
        await StandIn.DisposeAsync();
        if (_ownsDb)
        {
            await Db.DisposeAsync();
        }
    }
}
