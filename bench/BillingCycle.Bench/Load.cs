using System.Diagnostics;

namespace BillingCycle.Bench;

public sealed record LoadResult(long Requests, long Errors, double Seconds, double PerSecond, double P50Ms, double P99Ms);

/// <summary>
/// The C# load generator, for requests that must each be made (signed callbacks, per-user
/// tokens). Closed loop: N workers back to back, for maximum throughput. Open loop: a fixed
/// arrival rate, latency measured from each request's scheduled start (no coordinated omission).
/// </summary>
public static class Load
{
    public static HttpClient Client(Uri baseUrl, int connections) => new(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = connections,
        PooledConnectionLifetime = TimeSpan.FromMinutes(10),
    })
    {
        BaseAddress = baseUrl,
        Timeout = TimeSpan.FromSeconds(60),
    };

    /// <summary>Workers send make(i) for i = 0.. until count requests or the duration, whichever first.</summary>
    public static async Task<LoadResult> ClosedAsync(HttpClient http, Func<int, HttpRequestMessage> make, int workers,
        int count = int.MaxValue, TimeSpan? duration = null)
    {
        var latencies = new List<double>[workers];
        var next = -1;
        long errors = 0;
        var clock = Stopwatch.StartNew();
        var until = duration ?? TimeSpan.MaxValue;
        await Task.WhenAll(Enumerable.Range(0, workers).Select(async w =>
        {
            var mine = latencies[w] = new List<double>(4096);
            int i;
            while ((i = Interlocked.Increment(ref next)) < count && clock.Elapsed < until)
            {
                var started = Stopwatch.GetTimestamp();
                if (!await SendAsync(http, make(i)))
                {
                    Interlocked.Increment(ref errors);
                }
                mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }));
        return Summarise(latencies.SelectMany(l => l).ToList(), errors, clock.Elapsed.TotalSeconds);
    }

    /// <summary>Starts make(i) at rate per second for count requests, whatever the answers' speed.</summary>
    public static async Task<LoadResult> OpenAsync(HttpClient http, Func<int, HttpRequestMessage> make, double rate, int count)
    {
        var latencies = new double[count];
        long errors = 0;
        var clock = Stopwatch.StartNew();
        var inFlight = new List<Task>(count);
        for (var i = 0; i < count; i++)
        {
            var due = TimeSpan.FromSeconds(i / rate);
            var wait = due - clock.Elapsed;
            if (wait > TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(wait);
            }
            var index = i;
            inFlight.Add(Task.Run(async () =>
            {
                if (!await SendAsync(http, make(index)))
                {
                    Interlocked.Increment(ref errors);
                }
                latencies[index] = (clock.Elapsed - due).TotalMilliseconds;
            }));
        }
        await Task.WhenAll(inFlight);
        return Summarise([.. latencies], errors, clock.Elapsed.TotalSeconds);
    }

    private static async Task<bool> SendAsync(HttpClient http, HttpRequestMessage request)
    {
        try
        {
            using (request)
            using (var res = await http.SendAsync(request))
            {
                await res.Content.LoadIntoBufferAsync();
                return res.IsSuccessStatusCode;
            }
        }
        catch (HttpRequestException)
        {
            return false;
        }
        catch (TaskCanceledException)
        {
            return false;
        }
    }

    private static LoadResult Summarise(List<double> latencies, long errors, double seconds)
    {
        latencies.Sort();
        double At(double q) => latencies.Count == 0 ? 0 : latencies[Math.Min(latencies.Count - 1, (int)Math.Ceiling(q * latencies.Count) - 1)];
        return new LoadResult(latencies.Count, errors, seconds, latencies.Count / seconds, At(0.50), At(0.99));
    }
}
