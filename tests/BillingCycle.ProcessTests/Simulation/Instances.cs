using System.Globalization;
using System.Net;
using BillingCycle.IPaymu.StandIn;
using BillingCycle.TestSupport;
using Xunit.Abstractions;

namespace BillingCycle.ProcessTests.Simulation;

/// <summary>
/// The service as it is deployed: two API processes on one database, the scheduler on in both,
/// their test clocks moved together. A job runs when the schedulers see its occurrence — one
/// instance takes the job's advisory lock, the other skips — and the simulation waits for that run
/// in job_runs, never for a fixed time. Callbacks reach either instance, as through a load
/// balancer. When armed, the instance that asks iPaymu for a payment is killed (-9) mid-request;
/// the other's scheduler, waiting for the job's lock, runs the occurrence again once the dead
/// session is gone, and carries on alone while the dead one restarts; it rejoins at the next job
/// after it is up.
/// </summary>
/// <param name="settings">More settings for both instances (the Clerk key, the SMTP server).</param>
public sealed class Instances(ProcessWorld world, ITestOutputHelper output, Phases phases, IReadOnlyDictionary<string, string> settings)
{
    private readonly ApiProcess[] _apis = new ApiProcess[2];
    private readonly SimClock _clock = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> _calls = new();
    private DateTimeOffset _now;
    private int _armed;
    private volatile int _killed = -1;
    /// <summary>The instance being killed: set before the kill, so a run the other instance marks abandoned meanwhile is read as the crash it is.</summary>
    private volatile int _killing = -1;
    private int _down = -1;
    private Task _restart = Task.CompletedTask;

    public int Crashes { get; private set; }

    /// <summary>Sees each request iPaymu accepts, after the kill check (PostgreSQL's crashes are armed on them).</summary>
    public Action<StandInRequest>? OnGatewayRequest { get; set; }

    /// <summary>While PostgreSQL is being brought back after a crash: a read of job_runs that fails waits for it.</summary>
    public Func<Task?> DatabaseRecovering { get; set; } = () => null;

    /// <summary>Requests iPaymu (the stand-in) accepted, by path.</summary>
    public string GatewayCalls => string.Join(", ", _calls.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key} {c.Value}"));

    public string Tails() => string.Join("\n", _apis.Select((a, i) =>
        $"API {i} on port {a.Port} exited: {(a.HasExited ? $"yes, code {a.ExitCode}" : "no")}; its last lines:\n{string.Join('\n', a.Output.TakeLast(15))}"));

    private Dictionary<string, string> Env()
    {
        var env = BaseEnv();
        foreach (var (k, v) in settings)
        {
            env[k] = v;
        }
        return env;
    }

    private Dictionary<string, string> BaseEnv() => new()
    {
        ["BILLING_TEST_CLOCK"] = _now.ToString("o", CultureInfo.InvariantCulture),
        ["BILLING_SCHEDULER_ENABLED"] = "true",
        // Housekeeping once a day at 04:00, after the retry run, and waited for like the others:
        // every 15 minutes (the default) its runs would fall wherever a clock step lands.
        ["BILLING_HOUSEKEEPING_CRON"] = "0 4 * * *",
        // The iPaymu client's circuit breaker counts failures over 30 s of real time, which here is
        // months of simulated time: after an outage day it would let one trial call through and
        // refuse the calls beside it, so the seed's outcome would depend on the machine's speed.
        // The breaker has its own tests (GatewayFaultTests, CallbackBreakerTests); here it never
        // opens, and an outage day's calls fail as iPaymu answers them (500). Retries of
        // idempotent calls still happen, 10 ms apart instead of 300 ms.
        ["IPaymu__BreakerMinimumThroughput"] = "1000000",
        ["IPaymu__RetryBaseDelay"] = "00:00:00.010",
    };

    /// <summary>
    /// Starts both instances at <paramref name="at"/>; their schedulers catch up the last
    /// renewal, retry and housekeeping occurrences before it, which are waited for.
    /// </summary>
    public async Task StartAsync(DateTimeOffset at, DateTimeOffset lastRenewal, DateTimeOffset lastRetry, DateTimeOffset lastHousekeeping)
    {
        _now = _clock.Now = at;
        // iPaymu's clock is the simulated one, so its history can be asked for by date (StandInOptions.HistoryByDate).
        world.StandIn.State.Clock = _clock;
        world.StandIn.State.OnRequest = r =>
        {
            _calls.AddOrUpdate(r.Path, 1, (_, n) => n + 1);
            KillIfArmed(r);
            OnGatewayRequest?.Invoke(r);
        };
        var started = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => world.StartApiAsync(Env())));
        started.CopyTo(_apis, 0);
        await WaitForRunAsync("renewal", lastRenewal);
        await WaitForRunAsync("retry", lastRetry);
        await WaitForRunAsync("housekeeping", lastHousekeeping);
    }

    /// <summary>Waits for an instance still restarting (the run's end: nothing may be left starting).</summary>
    public Task SettleAsync() => phases.TimeAsync("restart (waited for)", () => _restart);

    /// <summary>
    /// Waits until every instance that is up answers health with <paramref name="status"/>: 503 once
    /// each has met the database away, 200 once each has reconnected by itself after the restart.
    /// </summary>
    public async Task WaitForHealthAsync(HttpStatusCode status)
    {
        var deadline = DateTime.UtcNow.AddMinutes(1);
        foreach (var api in _apis.Where((a, i) => (i != _down || _restart.IsCompleted) && !a.HasExited))
        {
            while (true)
            {
                try
                {
                    using var res = await api.Http.GetAsync(new Uri("/api/billing/health", UriKind.Relative));
                    if (res.StatusCode == status)
                    {
                        break;
                    }
                }
                catch (HttpRequestException)
                {
                }
                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"API on port {api.Port}: health not {(int)status} within a minute of the database's crash\n{Tails()}");
                }
                await Task.Delay(50);
            }
        }
    }

    /// <summary>Lines in which the instances logged a job run failed or given up (a run that met the database away).</summary>
    public int JobFailuresLogged() =>
        _apis.Sum(a => a.Output.Count(l => l.Contains("run failed", StringComparison.Ordinal)));

    /// <summary>kill -9 the instance making the next payment request.</summary>
    public void Arm() => _armed = 1;

    public void Disarm() => _armed = 0;

    private void KillIfArmed(StandInRequest r)
    {
        if (r.Path != "/api/v2/payment" || Interlocked.Exchange(ref _armed, 0) != 1)
        {
            return;
        }
        // The request's notifyUrl names the instance that sent it (its PUBLIC_BASE_URL).
        var k = Array.FindIndex(_apis, a => r.Body.Contains($"127.0.0.1:{a.Port}/", StringComparison.Ordinal));
        if (k >= 0)
        {
            _killing = k;
            _apis[k].KillHard(); // while it waits for iPaymu's answer
            _killed = k;
        }
    }

    /// <summary>Moves both clocks to 30 s past the job's occurrence and waits for the run a scheduler starts.</summary>
    public async Task RunScheduledAsync(string job, string path, DateTimeOffset occurrence)
    {
        // A restarted instance rejoins once it is up; the simulation waits for it only when the day
        // is armed to kill again, so that the crashes stay where the seed put them.
        if (_down >= 0 && (_restart.IsCompleted || _armed == 1))
        {
            await phases.TimeAsync("restart (waited for)", () => _restart);
            _down = -1;
        }
        _now = _clock.Now = occurrence.AddSeconds(30);
        await phases.TimeAsync("clock", () => Task.WhenAll(_apis.Where((_, i) => i != _down).Select(a =>
            ProcessWorld.PostJsonAsync(a.Cron, "/api/billing/test-clock", new { now = _now.ToString("o", CultureInfo.InvariantCulture) }))));
        if (await phases.TimeAsync(job, () => WaitForRunAsync(job, occurrence)))
        {
            return;
        }

        var k = _killed;
        _killed = -1;
        _killing = -1;
        Crashes++;
        output.WriteLine($"{_now:yyyy-MM-dd HH:mm}: API {k} killed during the {job} run; the other finishes it, API {k} restarts");
        // Restarted at the clock of the crash, it idles until it rejoins and its clock is moved on.
        _down = k;
        _restart = phases.TimeAsync("restart", async () => _apis[k] = await world.StartApiAsync(Env(), _apis[k].Port));
        // The other instance's scheduler was waiting for the job's lock; once PostgreSQL has ended the
        // dead session it takes the lock, marks the dead run abandoned and runs the occurrence again.
        if (!await phases.TimeAsync(job + " again by the other instance", () => WaitForRunAsync(job, occurrence)))
        {
            throw new InvalidOperationException($"the {job} run for {occurrence:o} was not run again after API {k} died");
        }
    }

    /// <summary>True once the occurrence's run finished; false when its instance was killed first.</summary>
    private async Task<bool> WaitForRunAsync(string job, DateTimeOffset occurrence)
    {
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (DateTime.UtcNow < deadline)
        {
            if (_killing >= 0)
            {
                // The kill (and the wait for the process to be gone) may still be under way.
                while (_killed < 0)
                {
                    await Task.Delay(5);
                }
                return false;
            }
            // The live run that covers the occurrence (contract §7.9): its own, or one that started after it.
            string? status;
            try
            {
                status = await world.Db.ScalarAsync<string?>(
                    "SELECT status FROM job_runs WHERE job = $1 AND status <> 'abandoned' AND covers @> $2::timestamptz",
                    job, occurrence.UtcDateTime);
            }
            catch (Exception) when (DatabaseRecovering() is { } recovering)
            {
                await recovering; // PostgreSQL crashed under the run; its scheduler runs the occurrence again
                continue;
            }
            if (status == "abandoned" && _killing >= 0)
            {
                continue; // the killed instance's run, marked by the other one taking the lock after it
            }
            switch (status)
            {
                case null or "running":
                    await Task.Delay(5);
                    break;
                case "succeeded" or "completed_with_errors":
                    return true;
                default:
                    throw new InvalidOperationException($"the {job} run for {occurrence:o} ended {status}");
            }
        }
        throw new TimeoutException($"no {job} run for {occurrence:o} finished within 3 minutes\n{Tails()}");
    }

    /// <summary>Instance <paramref name="pick"/> (0 or 1), or the other while it restarts.</summary>
    public ApiProcess Pick(int pick) => _apis[pick % 2 == _down ? (pick + 1) % 2 : pick % 2];

    /// <summary>Posts a callback to instance <paramref name="pick"/> (the other while it restarts); its HTTP status, null if unreachable.</summary>
    public async Task<int?> DeliverAsync(SignedCallback cb, int pick)
    {
        var api = Pick(pick);
        var to = cb with { NotifyUrl = new Uri(api.BaseUrl, new Uri(cb.NotifyUrl).PathAndQuery).ToString() };
        var d = await world.StandIn.Callbacks.DeliverAsync(to, CancellationToken.None);
        return d.StatusCode;
    }

    /// <summary>The simulated time, for the stand-in: moved with the instances' test clocks.</summary>
    private sealed class SimClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; }

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
