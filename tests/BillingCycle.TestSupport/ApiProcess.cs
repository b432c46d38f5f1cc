using System.Collections.Concurrent;
using System.Diagnostics;

namespace BillingCycle.TestSupport;

/// <summary>
/// The real API binary as a separate OS process on a loopback port, for tests where crashes
/// (kill -9), several instances and real sockets matter. Its stdout and stderr are kept.
/// </summary>
public sealed class ApiProcess : IAsyncDisposable
{
    public const string CronSecret = "process-cron-secret-0123456789-abc";

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private ApiProcess(Process process, int port)
    {
        _process = process;
        Port = port;
        BaseUrl = new Uri($"http://127.0.0.1:{port}");
        Http = new HttpClient { BaseAddress = BaseUrl, Timeout = TimeSpan.FromMinutes(5) };
        Cron = new HttpClient { BaseAddress = BaseUrl, Timeout = TimeSpan.FromMinutes(5) };
        Cron.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", CronSecret);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { _output.Enqueue(e.Data); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { _output.Enqueue(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int Port { get; }
    public Uri BaseUrl { get; }
    public HttpClient Http { get; }
    public HttpClient Cron { get; }
    public IReadOnlyCollection<string> Output => _output;
    public bool HasExited => _process.HasExited;
    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    public static string ApiDll()
    {
        // Same configuration as the test assembly (bin/Release or bin/Debug).
        var config = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        return Path.Combine(DedicatedPostgres.RepoRoot(), "src", "BillingCycle.Api", "bin", config, "net10.0", "BillingCycle.Api.dll");
    }

    public static async Task<ApiProcess> StartAsync(IDictionary<string, string> env, int? port = null, bool waitUntilLive = true)
    {
        var p = port ?? DedicatedPostgres.FreePort();
        var psi = new ProcessStartInfo("dotnet", [ApiDll(), "--urls", $"http://127.0.0.1:{p}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(ApiDll())!,
        };
        psi.Environment["ASPNETCORE_ENVIRONMENT"] = "Staging";
        psi.Environment["BILLING_CRON_SECRET"] = CronSecret;
        psi.Environment["BILLING_SCHEDULER_ENABLED"] = "false";
        psi.Environment["PUBLIC_BASE_URL"] = $"http://127.0.0.1:{p}";
        psi.Environment["APP_URL"] = "http://app.billing.test";
        psi.Environment["IPAYMU_VA"] = StandInHost.Va;
        psi.Environment["IPAYMU_API_KEY"] = StandInHost.ApiKey;
        psi.Environment["DOTNET_gcServer"] = "0";
        // Tests post far more callbacks from one address than a real iPaymu; the limit has its own tests.
        psi.Environment["BILLING_RATE_LIMIT_PER_MINUTE"] = "1000000";
        foreach (var (k, v) in env)
        {
            psi.Environment[k] = v;
        }
        var api = new ApiProcess(Process.Start(psi)!, p);
        if (waitUntilLive)
        {
            await api.WaitUntilLiveAsync();
        }
        return api;
    }

    public async Task WaitUntilLiveAsync(int timeoutMs = 60_000)
    {
        var started = Environment.TickCount64;
        while (Environment.TickCount64 - started < timeoutMs)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException("API exited: " + string.Join('\n', _output.TakeLast(20)));
            }
            try
            {
                using var res = await Http.GetAsync(new Uri("/health/live", UriKind.Relative));
                if (res.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(100);
        }
        throw new TimeoutException("API did not come up: " + string.Join('\n', _output.TakeLast(20)));
    }

    /// <summary>
    /// True once the process has exited, waiting up to the timeout: a killed process's sockets
    /// close before the runtime reaps it, so HasExited alone can still read false for a moment.
    /// </summary>
    public bool ExitedWithin(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            return false;
        }
        // The timed wait does not wait for the output readers; this one waits for both streams'
        // end, so a process that failed within milliseconds still has its line in Output.
        _process.WaitForExit();
        return true;
    }

    /// <summary>
    /// True once the process has exited AND its stdout and stderr have been read to the end, so
    /// <see cref="Output"/> holds every line it wrote. A process's exit and the end of its pipes
    /// arrive separately: WaitForExit(timeout) returns on the exit alone, while WaitForExitAsync
    /// also waits for both redirected streams to reach end-of-file (and their last lines to be
    /// queued). Tests that read the output of a process that stopped by itself use this.
    /// </summary>
    public async Task<bool> ExitedAndDrainedWithinAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>SIGTERM, as a deploy stops an instance: the host shuts down gracefully (requests in hand finish).</summary>
    public void Terminate()
    {
        if (!_process.HasExited)
        {
            using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            kill.WaitForExit();
        }
    }

    /// <summary>kill -9: no shutdown, no cleanup, connections dropped mid-flight.</summary>
    public void KillHard()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
    }

    private bool _disposed;

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        KillHard();
        Http.Dispose();
        Cron.Dispose();
        _process.Dispose();
        await Task.CompletedTask;
    }
}
