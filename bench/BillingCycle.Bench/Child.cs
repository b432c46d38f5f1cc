using System.Diagnostics;
using System.Globalization;

namespace BillingCycle.Bench;

/// <summary>
/// A process the bench starts (API, iPaymu stand-in, baseline app, wrk, pgbench). Servers write
/// to a log file through the shell, so their output never competes with the load for a pipe.
/// </summary>
public sealed class Child : IDisposable
{
    private readonly Process _process;

    private Child(Process process, string name)
    {
        _process = process;
        Name = name;
    }

    public string Name { get; }
    public int Pid => _process.Id;

    public static Child StartServer(string name, string dll, IEnumerable<string> args, IDictionary<string, string> env, string logDir)
    {
        var log = Path.Combine(logDir, name + ".log");
        var psi = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("exec dotnet \"$@\" >>\"$BENCH_LOG\" 2>&1");
        psi.ArgumentList.Add("sh");
        psi.ArgumentList.Add(dll);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        psi.Environment["BENCH_LOG"] = log;
        psi.Environment["DOTNET_gcServer"] = "0";
        foreach (var (k, v) in env)
        {
            psi.Environment[k] = v;
        }
        var child = new Child(Process.Start(psi)!, name);
        // run.sh stops a server an interrupted run left behind by this pid, never by a name pattern.
        File.WriteAllText(Path.Combine(logDir, name + ".pid"), child.Pid.ToString(CultureInfo.InvariantCulture));
        return child;
    }

    /// <summary>Runs a command to completion and returns its standard output.</summary>
    public static async Task<string> RunAsync(string file, IEnumerable<string> args, IDictionary<string, string>? env = null)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        foreach (var (k, v) in env ?? new Dictionary<string, string>())
        {
            psi.Environment[k] = v;
        }
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} exited {p.ExitCode}: {await stderr}");
        }
        return await stdout;
    }

    public async Task WaitForHttpAsync(Uri url, TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var until = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < until)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{Name} exited with {_process.ExitCode}; see its log in bench/.work");
            }
            try
            {
                using var res = await http.GetAsync(url);
                if (res.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }
            await Task.Delay(200);
        }
        throw new TimeoutException($"{Name} did not answer {url} within {timeout}");
    }

    /// <summary>Resident set size now, in bytes (from /proc; 0 when gone).</summary>
    public long RssBytes()
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{Pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (IOException)
        {
        }
        return 0;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
        _process.Dispose();
    }
}

/// <summary>Samples a process's RSS every 50 ms while a workload runs; keeps the peak.</summary>
public sealed class RssSampler : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public RssSampler(Child child)
    {
        _loop = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                PeakBytes = Math.Max(PeakBytes, child.RssBytes());
                try
                {
                    await Task.Delay(50, _stop.Token);
                }
                catch (TaskCanceledException)
                {
                }
            }
        });
    }

    public long PeakBytes { get; private set; }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }
}
