using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace BillingCycle.TestSupport;

/// <summary>
/// A PostgreSQL cluster of a test's own (scripts/local-postgres.sh into a temporary folder, on a
/// free port), for tests that stop and start the server without disturbing anyone else.
/// </summary>
public sealed class DedicatedPostgres : IAsyncDisposable
{
    /// <summary>
    /// Server settings for crash tests: commits wait for their WAL as in production (the fast test
    /// cluster turns that off for every transaction, so a crash would lose what production never
    /// loses), and the WAL writer wakes only every 10 s, so what a transaction committed without
    /// waiting (synchronous_commit off, the link batches) is still in memory when the crash comes.
    /// </summary>
    public const string CrashSettings = "-c synchronous_commit=on -c wal_writer_delay=10s -c wal_writer_flush_after=1GB";

    /// <summary>
    /// <see cref="CrashSettings"/> without waiting for the disk: the server process crashes, never the
    /// machine, and what PostgreSQL handed the kernel survives such a crash. A commit that waits for
    /// its WAL has written it by the time it returns, so it is kept; an asynchronous commit whose WAL
    /// is still in PostgreSQL's own buffers is lost, as in production. For the simulated year, whose
    /// thousands of commits a day would otherwise each wait for an fsync.
    /// </summary>
    public const string ProcessCrashSettings = CrashSettings + " -c fsync=off -c full_page_writes=off";

    private readonly string _dir;
    private readonly string _settings;

    private DedicatedPostgres(string dir, int port, string superuser, string database, string settings)
    {
        _dir = dir;
        _settings = settings;
        Port = port;
        Superuser = superuser;
        Database = database;
    }

    public int Port { get; }

    /// <summary>The cluster's bootstrap superuser (initdb -U).</summary>
    public string Superuser { get; }

    /// <summary>The database the start script creates (or finds).</summary>
    public string Database { get; }

    public string Url => $"postgres://{Superuser}@127.0.0.1:{Port}/{Database}";

    public string ConnectionString => ConnectionStringFor(Superuser);

    /// <summary>A connection string for another login role of this cluster (trust authentication).</summary>
    public string ConnectionStringFor(string user, string? database = null) =>
        $"Host=127.0.0.1;Port={Port};Username={user};Database={database ?? Database}";

    /// <param name="superuser">bootstrap superuser: a Supabase-shaped cluster uses supabase_admin, and its
    /// postgres role is then an ordinary role that the test creates and demotes.</param>
    /// <param name="database">database to create; an existing one (e.g. "postgres") is left as it is.</param>
    /// <param name="settings">more server options (BILLING_PG_EXTRA), e.g. <see cref="CrashSettings"/>.</param>
    public static async Task<DedicatedPostgres> StartAsync(string superuser = "postgres", string database = "billing", string settings = "")
    {
        var port = FreePort();
        var dir = Path.Combine(RepoRoot(), ".local", "pg-test-" + Guid.NewGuid().ToString("N")[..8]);
        var pg = new DedicatedPostgres(dir, port, superuser, database, settings);
        await pg.ScriptAsync("local-postgres.sh");
        return pg;
    }

    public Task StopAsync() => ScriptAsync("stop-local-postgres.sh");

    /// <summary>pg_ctl stop -m immediate: every backend quits at once, nothing is written; the next start recovers.</summary>
    public Task CrashAsync() => ScriptAsync("stop-local-postgres.sh", immediate: true);

    /// <summary>kill -9 of the postmaster; returns once its backends, which notice their parent's death, are gone too.</summary>
    public async Task KillPostmasterAsync()
    {
        var pid = int.Parse(File.ReadLines(Path.Combine(_dir, "data", "postmaster.pid")).First(), System.Globalization.CultureInfo.InvariantCulture);
        using var postmaster = Process.GetProcessById(pid);
        postmaster.Kill();
        await postmaster.WaitForExitAsync();
    }

    /// <summary>
    /// Starts the cluster again (crash recovery runs first). After a killed postmaster its orphaned
    /// backends may still hold the old shared memory for a moment, which refuses the start: tried
    /// again for up to 30 s.
    /// </summary>
    public async Task StartAgainAsync()
    {
        var until = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                await ScriptAsync("local-postgres.sh");
                return;
            }
            catch (InvalidOperationException) when (DateTime.UtcNow < until)
            {
                await Task.Delay(200);
            }
        }
    }

    private async Task ScriptAsync(string script, bool immediate = false)
    {
        var psi = new ProcessStartInfo("bash", [Path.Combine(RepoRoot(), "scripts", script)])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        psi.Environment["BILLING_PG_PORT"] = Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        psi.Environment["BILLING_PG_DIR"] = _dir;
        psi.Environment["BILLING_PG_FAST"] = "1";
        psi.Environment["BILLING_PG_SUPERUSER"] = Superuser;
        psi.Environment["BILLING_PG_DB"] = Database;
        psi.Environment["BILLING_PG_EXTRA"] = _settings;
        if (immediate)
        {
            psi.Environment["BILLING_PG_STOP_MODE"] = "immediate";
        }
        using var p = Process.Start(psi)!;
        var err = await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{script} failed: {err}");
        }
    }

    public static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "BillingCycle.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("repository root not found");
    }

    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        catch (InvalidOperationException)
        {
            // already stopped
        }
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
