using BillingCycle.IPaymu.StandIn;
using BillingCycle.TestSupport;
using Xunit.Abstractions;

namespace BillingCycle.ProcessTests.Simulation;

/// <summary>Where in a day PostgreSQL crashes.</summary>
public enum CrashMoment
{
    /// <summary>Inside the renewal run, while iPaymu makes one of its links (the answer finds the database gone).</summary>
    RenewalPage,

    /// <summary>Inside the day's callbacks, while a callback asks iPaymu for its transaction.</summary>
    CallbackBurst,

    /// <summary>Inside an email send: the server has the message, the delivery is not yet marked sent.</summary>
    DeliveryBatch,
}

/// <summary>
/// PostgreSQL itself crashing under the simulated year: the year's database is a cluster of its own
/// (<see cref="DedicatedPostgres"/>, production's commit settings), stopped with
/// <c>pg_ctl stop -m immediate</c> (once with a kill -9 of the postmaster instead) on days and at
/// moments drawn from the seed. The crash comes from inside the work it interrupts (iPaymu's or the
/// mail server's side of a request, as the kill of an instance does), so it always lands mid-step.
/// The database stays down until the instances have met it (health 503, a job run given up), then
/// starts again; the instances are never restarted, they reconnect by themselves.
/// </summary>
public sealed class PostgresCrashes
{
    private readonly DedicatedPostgres _pg;
    private readonly ProcessWorld _world;
    private readonly Instances _instances;
    private readonly ITestOutputHelper _output;
    private readonly Phases _phases;
    private readonly Dictionary<int, (CrashMoment At, bool KillPostmaster)> _plan = [];
    private Func<string, bool>? _armed;
    private string _what = "";
    private bool _killPostmaster;
    private Task? _recovery;

    /// <param name="seed">Crash days and moments have their own draws, so every other draw of the year stays what the seed made it.</param>
    public PostgresCrashes(DedicatedPostgres pg, ProcessWorld world, Instances instances, ITestOutputHelper output, Phases phases, int seed, int days)
    {
        (_pg, _world, _instances, _output, _phases) = (pg, world, instances, output, phases);
        var rng = new Random(seed ^ 0x70_67);
        // Four crashes, one in each quarter of the run (never its first day), at the three moments
        // and one more renewal page; one of the four kills the postmaster instead of stopping it.
        var moments = new[] { CrashMoment.RenewalPage, CrashMoment.CallbackBurst, CrashMoment.DeliveryBatch, CrashMoment.RenewalPage }
            .OrderBy(_ => rng.Next()).ToArray();
        var kill = rng.Next(moments.Length);
        var quarter = Math.Max(1, days / moments.Length);
        for (var i = 0; i < moments.Length && days > 1; i++)
        {
            _plan.TryAdd(Math.Clamp((i * quarter) + 1 + rng.Next(quarter - 1 > 0 ? quarter - 1 : 1), 1, days - 1), (moments[i], i == kill));
        }
    }

    public int Survived { get; private set; }

    /// <summary>The moment PostgreSQL crashes on <paramref name="day"/>, if it does.</summary>
    public CrashMoment? On(int day) => _plan.TryGetValue(day, out var c) ? c.At : null;

    /// <summary>The other draws in one line, for the year's output.</summary>
    public string Describe() => string.Join(", ", _plan.OrderBy(p => p.Key).Select(p => $"day {p.Key} {p.Value.At}{(p.Value.KillPostmaster ? " (kill -9)" : "")}"));

    /// <summary>iPaymu saw a request: the crash armed for it happens now, before iPaymu answers.</summary>
    public void OnGatewayRequest(StandInRequest r) => Fire(r.Path);

    /// <summary>The mail server holds a message: the crash armed for it happens now, before the server says OK.</summary>
    public void OnEmail() => Fire("smtp");

    /// <summary>
    /// Arms the day's crash for the <paramref name="nth"/> request to <paramref name="path"/>
    /// (iPaymu's, or "smtp" for a message the mail server receives).
    /// </summary>
    public void Arm(int day, CrashMoment at, string path, int nth)
    {
        var seen = 0;
        (_what, _killPostmaster) = ($"{at} on day {day}", _plan[day].KillPostmaster);
        _armed = p => p == path && Interlocked.Increment(ref seen) == nth;
    }

    private void Fire(string path)
    {
        if (_armed is not { } armed || !armed(path) || Interlocked.Exchange(ref _armed, null) is null)
        {
            return;
        }
        // Synchronously, inside the request: the work that made it finds the database gone. A job
        // run in flight is given up before the database comes back.
        CrashNow(runInFlight: _what.StartsWith(nameof(CrashMoment.RenewalPage), StringComparison.Ordinal));
    }

    /// <summary>
    /// Disarms; when the armed crash never came (the day had too few such requests), it happens now,
    /// after the step. Then waits until the database is back and the instances serve again.
    /// </summary>
    public async Task SettleAsync(string ifNotFired)
    {
        if (Interlocked.Exchange(ref _armed, null) is not null)
        {
            _what += $" ({ifNotFired})";
            CrashNow(runInFlight: false);
        }
        if (_recovery is { } r)
        {
            _recovery = null;
            await _phases.TimeAsync("postgres crash", () => r);
        }
    }

    /// <summary>True while a crash is being recovered from: a failed read of the database means "wait for it".</summary>
    public Task? Recovering => _recovery;

    private void CrashNow(bool runInFlight)
    {
        var failures = runInFlight ? _instances.JobFailuresLogged() : -1;
        var recovered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _recovery = recovered.Task;
        (_killPostmaster ? _pg.KillPostmasterAsync() : _pg.CrashAsync()).GetAwaiter().GetResult();
        _ = Task.Run(async () =>
        {
            try
            {
                await RecoverAsync(failures);
                recovered.SetResult();
            }
            catch (Exception ex)
            {
                recovered.SetException(ex);
            }
        });
    }

    private async Task RecoverAsync(int failuresBefore)
    {
        // Down until every instance has met it (health answers 503) and, for a run in flight, until
        // its instance gave the run up: back sooner, the run would finish with errors and cover its
        // occurrence with the page's subscriptions unrenewed until the next day's run.
        await _instances.WaitForHealthAsync(System.Net.HttpStatusCode.ServiceUnavailable);
        for (var until = DateTime.UtcNow.AddSeconds(20); failuresBefore >= 0 && _instances.JobFailuresLogged() == failuresBefore;)
        {
            if (DateTime.UtcNow > until)
            {
                _output.WriteLine($"{_what}: no job run was seen given up within 20 s of the crash");
                break;
            }
            await Task.Delay(50);
        }
        await _pg.StartAgainAsync();
        _world.Db.DataSource.Clear(); // the simulation's own connections died with the server
        await _instances.WaitForHealthAsync(System.Net.HttpStatusCode.OK);
        Survived++;
        ResilienceReport.PostgresCrashes(1);
        _output.WriteLine($"PostgreSQL crashed ({(_killPostmaster ? "kill -9 of the postmaster" : "immediate stop")}): {_what}; restarted, the instances reconnected");
    }
}
