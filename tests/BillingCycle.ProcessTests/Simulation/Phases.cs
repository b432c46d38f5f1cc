using System.Collections.Concurrent;
using System.Diagnostics;

namespace BillingCycle.ProcessTests.Simulation;

/// <summary>
/// Where a simulated year's real time goes (measure the simulation's own overhead before
/// cutting it): each phase's total wall time and how often it ran, printed with the run's figures.
/// </summary>
public sealed class Phases
{
    private readonly ConcurrentDictionary<string, (long Ticks, int Count)> _totals = new();
    private readonly Stopwatch _wall = Stopwatch.StartNew();

    public TimeSpan Elapsed => _wall.Elapsed;

    public async Task<T> TimeAsync<T>(string phase, Func<Task<T>> work)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            return await work();
        }
        finally
        {
            var ticks = Stopwatch.GetTimestamp() - started;
            _totals.AddOrUpdate(phase, (ticks, 1), (_, t) => (t.Ticks + ticks, t.Count + 1));
        }
    }

    public Task TimeAsync(string phase, Func<Task> work) => TimeAsync(phase, async () =>
    {
        await work();
        return true;
    });

    public override string ToString() =>
        string.Join("; ", _totals.OrderByDescending(t => t.Value.Ticks).Select(t =>
            $"{t.Key} {TimeSpan.FromTicks(t.Value.Ticks * TimeSpan.TicksPerSecond / Stopwatch.Frequency).TotalSeconds:F1} s ({t.Value.Count}x)"))
        + $"; wall {_wall.Elapsed.TotalSeconds:F1} s";
}
