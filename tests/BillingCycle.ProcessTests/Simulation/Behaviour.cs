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
