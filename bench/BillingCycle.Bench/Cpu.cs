using System.Globalization;

namespace BillingCycle.Bench;

/// <summary>CPU seconds per process during a phase: where a request's cost goes on a 2-core machine.</summary>
public sealed record CpuSplit(double Api, double StandIn, double Baseline, double Postgres, double Driver)
{
    public double Total => Api + StandIn + Baseline + Postgres + Driver;

    /// <summary>Two phases' CPU as one (a day's cron calls, each metered on its own).</summary>
    public CpuSplit Plus(CpuSplit o) => new(Api + o.Api, StandIn + o.StandIn, Baseline + o.Baseline, Postgres + o.Postgres, Driver + o.Driver);

    /// <summary>Core-milliseconds per request, by process.</summary>
    public Dictionary<string, double> PerRequest(long requests) => new()
    {
        ["api"] = Math.Round(Api * 1000 / requests, 3),
        ["ipaymu_stand_in"] = Math.Round(StandIn * 1000 / requests, 3),
        ["baseline_app"] = Math.Round(Baseline * 1000 / requests, 3),
        ["postgres"] = Math.Round(Postgres * 1000 / requests, 3),
        ["load_generator"] = Math.Round(Driver * 1000 / requests, 3),
        ["total"] = Math.Round(Total * 1000 / requests, 3),
    };
}

public sealed class CpuMeter(Stack stack)
{
    private CpuSplit _start = new(0, 0, 0, 0, 0);

    public void Start() => _start = Now();

    public CpuSplit Stop()
    {
        var end = Now();
        return new CpuSplit(end.Api - _start.Api, end.StandIn - _start.StandIn, end.Baseline - _start.Baseline,
            end.Postgres - _start.Postgres, end.Driver - _start.Driver);
    }

    private CpuSplit Now() => new(Seconds(stack.Api.Pid), Seconds(stack.StandIn.Pid), Seconds(stack.Baseline.Pid),
        Tree(Postmaster()), Seconds(Environment.ProcessId, children: true) + ChildrenOf(Environment.ProcessId, "wrk"));

    /// <summary>
    /// The bench cluster's postmaster (BENCH_PG_DATA/postmaster.pid, set by run.sh): only its
    /// processes count, not the other PostgreSQL clusters a shared machine may be running.
    /// </summary>
    private static int Postmaster()
    {
        var data = Environment.GetEnvironmentVariable("BENCH_PG_DATA");
        var file = data is null ? null : Path.Combine(data, "postmaster.pid");
        return file is not null && File.Exists(file)
            ? int.Parse(File.ReadLines(file).First().Trim(), CultureInfo.InvariantCulture)
            : throw new InvalidOperationException("BENCH_PG_DATA must name the bench cluster's data folder (bench/run.sh sets it)");
    }

    /// <summary>utime + stime of a process (and its reaped children), from /proc/PID/stat, in seconds.</summary>
    /// <param name="children">Also count reaped children (cutime, cstime): wrk has exited by the end of its phase.</param>
    internal static double Seconds(int pid, bool children = false)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // After "pid (comm) ": state is field 3, so utime (14) and stime (15) are at 11 and 12 here.
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            if (children)
            {
                ticks += long.Parse(fields[13], CultureInfo.InvariantCulture) + long.Parse(fields[14], CultureInfo.InvariantCulture);
            }
            return ticks / 100.0;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>CPU seconds of one PostgreSQL cluster: its postmaster (with the children it reaped) and its live children.</summary>
    /// <remarks>Not every "postgres" on the machine: on a shared machine other clusters run other people's work.</remarks>
    public static double Cluster(int postmasterPid) => Tree(postmasterPid);

    private static int ParentOf(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// A process and its children: the root (PostgreSQL's postmaster) also carries the CPU of
    /// children it has reaped (autovacuum workers, closed backends).
    /// </summary>
    private static double Tree(int root) => Seconds(root, children: true) + ChildrenOf(root, null);

    private static double ChildrenOf(int parent, string? name)
    {
        double sum = 0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                continue;
            }
            try
            {
                if (ParentOf(id) == parent && (name is null || File.ReadAllText(Path.Combine(dir, "comm")).Trim() == name))
                {
                    sum += Seconds(id);
                }
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
        return sum;
    }
}
