using BillingCycle.IPaymu.StandIn;

namespace BillingCycle.ProcessTests.Simulation;

/// <summary>What a customer does about one invoice, drawn once per invoice from the seed.</summary>
public abstract record Behaviour
{
    /// <summary>Pays the first link the day it arrives.</summary>
    public sealed record PayAtOnce : Behaviour;
    /// <summary>Pays the first link, but iPaymu's callback is lost or arrives days later.</summary>
    public sealed record PayLate : Behaviour;
    /// <summary>Lets the first <c>Failures</c> links expire, then pays the next one (a retry).</summary>
    public sealed record PayOnRetry(int Failures) : Behaviour;
    /// <summary>Never pays: dunning runs its course and cancels.</summary>
    public sealed record NeverPay : Behaviour;
    /// <summary>Lets the first link lapse, then pays both the old link and the retry's new one.</summary>
    public sealed record PayTwice : Behaviour;

    public static Behaviour Draw(Random rng) => rng.Next(100) switch
    {
        < 50 => new PayAtOnce(),
        < 64 => new PayLate(),
        < 86 => new PayOnRetry(1 + rng.Next(5)),
        < 92 => new NeverPay(),
        _ => new PayTwice(),
    };
}

/// <summary>
/// iPaymu's side of callback delivery, with the network's misbehaviour: each callback is
/// delivered at once, duplicated, delayed by days (so it arrives out of order) or lost. One
/// answered other than 200 is resent the next day, as iPaymu does.
/// </summary>
public sealed class Mailbox(CallbackSender sender)
{
    private readonly List<(int Day, SignedCallback Callback)> _queue = [];

    public int Sent { get; private set; }
    public int Lost { get; private set; }
    public int Duplicated { get; private set; }
    public int Delayed { get; private set; }
    public int Resent { get; private set; }

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

    /// <summary>Delivers everything due by today, in a seeded shuffled order; failures are retried tomorrow.</summary>
    public async Task DeliverDueAsync(Random rng, int today)
    {
        var due = _queue.Where(q => q.Day <= today).ToList();
        _queue.RemoveAll(q => q.Day <= today);
        foreach (var (_, cb) in due.OrderBy(_ => rng.Next()))
        {
            var d = await sender.DeliverAsync(cb, CancellationToken.None);
            Sent++;
            if (d.StatusCode != 200)
            {
                Resent++;
                _queue.Add((today + 1, cb));
            }
        }
    }

    public int Pending => _queue.Count;
}
