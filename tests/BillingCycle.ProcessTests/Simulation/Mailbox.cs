using BillingCycle.IPaymu.StandIn;

namespace BillingCycle.ProcessTests.Simulation;

/// <summary>
/// iPaymu's side of callback delivery, with the network's misbehaviour: each callback is
/// delivered at once, duplicated, delayed by days (so it arrives out of order) or lost. A day's
/// callbacks go out in a seeded shuffled order, several at a time (as iPaymu sends them), each to
/// an instance drawn from the seed; one answered other than 200 is resent the next day.
/// </summary>
/// <param name="deliver">Posts a callback to instance n (0 or 1); its HTTP status, null if unreachable.</param>
public sealed class Mailbox(Func<SignedCallback, int, Task<int?>> deliver)
{
    /// <summary>Callbacks in flight at once; duplicates can meet in the service at the same moment.</summary>
    private const int Concurrency = 8;

    private readonly List<(int Day, SignedCallback Callback)> _queue = [];
    private int _sent, _resent;

    public int Sent => _sent;
    public int Lost { get; private set; }
    public int Duplicated { get; private set; }
    public int Delayed { get; private set; }
    public int Resent => _resent;
    public int Pending => _queue.Count;

    public void Post(Random rng, int today, SignedCallback cb, bool late = false)
    {
        var roll = rng.Next(100);
        if (late)
        {
            roll = rng.Next(2) == 0 ? 5 : 95; // a late payer's callback is lost or delayed
        }
        switch (roll)
        {
            case < 10:
                Lost++;
                break;
            case < 25:
                Duplicated++;
                _queue.Add((today, cb));
                _queue.Add((today, cb));
                _queue.Add((today + 1 + rng.Next(3), cb));
                break;
            case >= 85:
                Delayed++;
                _queue.Add((today + 1 + rng.Next(4), cb));
                break;
            default:
                _queue.Add((today, cb));
                break;
        }
    }

    /// <summary>Delivers everything due by today; failures are queued again for tomorrow.</summary>
    public async Task DeliverDueAsync(Random rng, int today)
    {
        var due = _queue.Where(q => q.Day <= today).Select(q => q.Callback).ToList();
        _queue.RemoveAll(q => q.Day <= today);
        // Every draw is made here, in order, so the seed decides the same order and targets each run.
        var sends = due.OrderBy(_ => rng.Next()).Select(cb => (Callback: cb, To: rng.Next(2))).ToList();
        var failed = new bool[sends.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, sends.Count), new ParallelOptions { MaxDegreeOfParallelism = Concurrency },
            async (i, _) =>
            {
                var status = await deliver(sends[i].Callback, sends[i].To);
                Interlocked.Increment(ref _sent);
                failed[i] = status != 200;
            });
        for (var i = 0; i < sends.Count; i++)
        {
            if (failed[i])
            {
                _resent++;
                _queue.Add((today + 1, sends[i].Callback));
            }
        }
    }
}
