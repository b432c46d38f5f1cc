using System.Globalization;
using BillingCycle.Api.Infrastructure.Database;
using BillingCycle.TestSupport;
using Npgsql;

namespace BillingCycle.Bench;

/// <summary>
/// What the bench runs against: its own PostgreSQL cluster (durable settings), the API and the
/// iPaymu stand-in built in Release and run as separate processes, and the baseline app.
/// </summary>
public sealed class Stack : IAsyncDisposable
{
    public const string CronSecret = "bench-cron-secret-0123456789-abcde";

    /// <summary>
    /// The day every renewal workload bills: the seeded periods end here, the API's clock
    /// (BILLING_TEST_CLOCK) stands two hours after it, and the mixed day's seed dates count back from it.
    /// </summary>
    public static readonly DateTimeOffset DueAt = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>The bench's plans: the plain day's monthly Pro; the mixed day adds the yearly and the trial plan (MixedDay.cs).</summary>
    public const string ProPlan = "00000000-0000-0000-0000-00000000b001", YearlyPlan = "00000000-0000-0000-0000-00000000b002",
        TrialPlan = "00000000-0000-0000-0000-00000000b003";
    // BENCH_API_PORT, BENCH_STANDIN_PORT, BENCH_BASELINE_PORT move them (another bench on the machine).
    public static readonly int ApiPort = Port("BENCH_API_PORT", 18080), StandInPort = Port("BENCH_STANDIN_PORT", 18090),
        BaselinePort = Port("BENCH_BASELINE_PORT", 18070);

    private static int Port(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p : fallback;

    private readonly string _repo;
    private readonly string _work;

    private Stack(string repo, string databaseUrl, NpgsqlDataSource db, ClerkTokens tokens)
    {
        _repo = repo;
        _work = Path.Combine(repo, "bench", ".work");
        Url = databaseUrl;
        Db = db;
        Tokens = tokens;
    }

    public string Url { get; }
    public NpgsqlDataSource Db { get; }
    public ClerkTokens Tokens { get; }
    public Child Api { get; private set; } = null!;
    public Child StandIn { get; private set; } = null!;
    public Child Baseline { get; private set; } = null!;
    public string Work => _work;
    public string Repo => _repo;
    public static Uri ApiUrl => new($"http://127.0.0.1:{ApiPort}");
    public static Uri StandInUrl => new($"http://127.0.0.1:{StandInPort}");
    public static Uri BaselineUrl => new($"http://127.0.0.1:{BaselinePort}");

    public static async Task<Stack> StartAsync(string repo, string databaseUrl)
    {
        var csb = DatabaseUrl.Parse(databaseUrl);
        csb.MaxPoolSize = 20;
        var stack = new Stack(repo, databaseUrl, NpgsqlDataSource.Create(csb.ConnectionString), new ClerkTokens("bench-key"));
        Directory.CreateDirectory(stack._work);
        await stack.StartServersAsync();
        return stack;
    }

    private string Dll(string project, string name) =>
        Path.Combine(_repo, project, "bin", "Release", "net10.0", name + ".dll");

    private async Task StartServersAsync()
    {
        StandIn = Child.StartServer("standin", Dll("src/BillingCycle.IPaymu.StandIn", "BillingCycle.IPaymu.StandIn"),
            ["--urls", StandInUrl.ToString()],
            new Dictionary<string, string> { ["STANDIN_VA"] = StandInHost.Va, ["STANDIN_API_KEY"] = StandInHost.ApiKey }, _work);
        Baseline = Child.StartServer("baseline", Dll("bench/Baseline", "BillingCycle.Bench.Baseline"),
            ["--urls", BaselineUrl.ToString()], new Dictionary<string, string> { ["DATABASE_URL"] = DatabaseUrl.Parse(Url).ConnectionString }, _work);
        Api = Child.StartServer("api", Dll("src/BillingCycle.Api", "BillingCycle.Api"), ["--urls", ApiUrl.ToString()], new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Staging",
            ["DATABASE_URL"] = Url,
            ["IPAYMU_BASE_URL"] = StandInUrl.ToString().TrimEnd('/'),
            ["IPAYMU_VA"] = StandInHost.Va,
            ["IPAYMU_API_KEY"] = StandInHost.ApiKey,
            ["PUBLIC_BASE_URL"] = ApiUrl.ToString().TrimEnd('/'),
            ["APP_URL"] = "http://app.bench.test",
            ["BILLING_CRON_SECRET"] = CronSecret,
            ["BILLING_SCHEDULER_ENABLED"] = "false",
            ["BILLING_TEST_CLOCK"] = DueAt.AddHours(2).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            ["CLERK_JWT_KEY"] = Tokens.PublicKeyPem,
            ["CREDITS_SELF_SERVICE"] = "true",
            // The storm comes from one address, as iPaymu's would; the per-address limit (contract §10.4, 120 a
            // minute by default) would answer most of it 429 and the bench would measure the limiter.
            ["BILLING_RATE_LIMIT_PER_MINUTE"] = "1000000",
        }, _work);
        await StandIn.WaitForHttpAsync(new Uri(StandInUrl, "/_standin/payments"), TimeSpan.FromSeconds(60));
        await Baseline.WaitForHttpAsync(new Uri(BaselineUrl, "/health"), TimeSpan.FromSeconds(60));
        await Api.WaitForHttpAsync(new Uri(ApiUrl, "/health/ready"), TimeSpan.FromSeconds(120));
    }

    public HttpClient Cron(TimeSpan timeout)
    {
        var c = new HttpClient { BaseAddress = ApiUrl, Timeout = timeout };
        c.DefaultRequestHeaders.Authorization = new("Bearer", CronSecret);
        return c;
    }

    public async Task ExecAsync(string sql, params object[] args)
    {
        await using var cmd = Db.CreateCommand(sql);
        cmd.CommandTimeout = 600;
        foreach (var a in args)
        {
            cmd.Parameters.Add(new NpgsqlParameter { Value = a });
        }
        await cmd.ExecuteNonQueryAsync();
    }

    public async Task<long> CountAsync(string sql, params object[] args)
    {
        await using var cmd = Db.CreateCommand(sql);
        foreach (var a in args)
        {
            cmd.Parameters.Add(new NpgsqlParameter { Value = a });
        }
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    /// <summary>Empties the billing tables and the stand-in, so each run starts from the same state.</summary>
    public async Task ResetAsync()
    {
        await ExecAsync("""
            TRUNCATE users, subscription_plans, subscriptions, invoices, payments, payment_retries, notifications,
                     billing_logs, webhook_events, job_runs, credit_balances, credit_transactions, idempotency_keys, coupons CASCADE
            """);
        using var http = new HttpClient { BaseAddress = StandInUrl };
        using var res = await http.PostAsync(new Uri("/_standin/reset", UriKind.Relative), null);
        res.EnsureSuccessStatusCode();
    }

    /// <summary>N users with monthly subscriptions whose period ended at <see cref="DueAt"/> (due on the bench's clock).</summary>
    /// <param name="reshape">Run after the history and before the quiescing (the mixed day's extra subscriptions, MixedDay.cs).</param>
    public async Task SeedDueAsync(int count, Func<Task>? reshape = null)
    {
        await ExecAsync("""
            INSERT INTO subscription_plans (id, name, price, interaction_credits, scraper_credits)
            VALUES ($1::uuid, 'Pro', 149000, 1000, 500) ON CONFLICT DO NOTHING
            """, ProPlan);
        await SeedUsersAsync(1, count);
        await ExecAsync("""
            INSERT INTO subscriptions (user_id, plan_id, billing_anchor, current_period_start, current_period_end)
            SELECT 'bench_' || g, $2::uuid, $3::timestamptz - interval '1 month', $3::timestamptz - interval '1 month', $3::timestamptz
              FROM generate_series(1, $1) g
            """, count, ProPlan, DueAt);
        await SeedHistoryAsync();
        if (reshape is not null)
        {
            await reshape();
        }
        await QuiesceAsync();
    }

    /// <summary>Users bench_first … bench_last.</summary>
    public async Task SeedUsersAsync(int first, int last)
    {
        await ExecAsync("""
            INSERT INTO users (id, email, full_name, phone)
            SELECT 'bench_' || g, 'bench_' || g || '@example.com', 'Customer ' || g, '0812' || lpad(g::text, 7, '0')
              FROM generate_series($1, $2) g
            """, first, last);
    }

    /// <summary>
    /// Before a measured phase: VACUUM (ANALYZE) and a CHECKPOINT, so the autovacuum and the
    /// checkpoint owed to the previous phase's writes do not run inside this one.
    /// </summary>
    public async Task QuiesceAsync()
    {
        await ExecAsync("VACUUM (ANALYZE)");
        await ExecAsync("CHECKPOINT");
    }

    /// <summary>
    /// One paid month behind every subscription (its current period's invoice, payment, credit
    /// grants, notification, logs), as on a real 1st of the month. Without history the tables a
    /// renewal writes are empty at ANALYZE, and the plans cached for them would not be a real day's.
    /// </summary>
    private async Task SeedHistoryAsync()
    {
        await ExecAsync("""
            INSERT INTO invoices (invoice_number, user_id, subscription_id, period_start, period_end, amount, status, line_items,
                                  attempt_count, paid_at, created_at, updated_at)
            SELECT 'INV-' || to_char(s.current_period_start AT TIME ZONE 'UTC', 'YYYYMM') || '-H' || lpad((row_number() OVER ())::text, 7, '0'), s.user_id, s.id, s.current_period_start,
                   s.current_period_end, 149000, 'paid', '{"type":"subscription_renewal"}', 1, s.current_period_start,
                   s.current_period_start, s.current_period_start
              FROM subscriptions s
            """);
        await ExecAsync("""
            INSERT INTO payments (invoice_id, attempt_number, reference_id, session_id, transaction_id, payment_url, status, amount,
                                  fee, expires_at, paid_at, created_at, updated_at)
            SELECT i.id, 1, i.invoice_number || '-1', 'hist-' || i.id, 'hist-' || i.id, 'http://pay.test/' || i.id, 'paid', i.amount,
                   4000, i.created_at + interval '1 day', i.paid_at, i.created_at, i.paid_at
              FROM invoices i
            """);
        await ExecAsync("""
            INSERT INTO credit_balances (user_id, credit_type, balance, last_seq, updated_at)
            SELECT u.id, t.type, t.amount, 1, $1::timestamptz - interval '1 month'
              FROM users u, (VALUES ('interaction', 1000), ('scraper', 500)) t(type, amount)
            """, DueAt);
        await ExecAsync("""
            INSERT INTO credit_transactions (user_id, credit_type, kind, amount, balance_after, reference_id, description, created_at, seq)
            SELECT i.user_id, t.type, t.kind, t.amount, t.amount, i.id::text, 'history', i.paid_at, 1
              FROM invoices i, (VALUES ('interaction', 'reset', 1000), ('scraper', 'add', 500)) t(type, kind, amount)
            """);
        await ExecAsync("""
            INSERT INTO notifications (user_id, type, title, message, data, created_at)
            SELECT i.user_id, 'billing_success', 'Payment Successful', 'history', '{}', i.paid_at FROM invoices i
            """);
        await ExecAsync("""
            INSERT INTO billing_logs (event_type, subscription_id, user_id, status, details, created_at)
            SELECT v.e, i.subscription_id, i.user_id, 'success', '{}', i.paid_at
              FROM invoices i, (VALUES ('renewal'), ('payment')) v(e)
            """);
    }

    public async ValueTask DisposeAsync()
    {
        Api?.Dispose();
        StandIn?.Dispose();
        Baseline?.Dispose();
        await Db.DisposeAsync();
    }
}
