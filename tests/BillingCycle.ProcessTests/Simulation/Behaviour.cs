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
    /// <summary>Never pays: dunning runs its course and cancels (a checkout or upgrade: housekeeping withdraws it).</summary>
    public sealed record NeverPay : Behaviour;
    /// <summary>Lets the first link lapse, then pays both the old link and the retry's new one.</summary>
    public sealed record PayTwice : Behaviour;
    /// <summary>Leaves the link; the next day asks for one (pay now, contract §7.6, as the pay page does) and pays that.</summary>
    public sealed record PayNowNextDay : Behaviour;

    /// <summary>A renewal has dunning behind it; a checkout or an upgrade only its own link and pay now.</summary>
    public static Behaviour Draw(Random rng, string invoiceKind) => invoiceKind switch
    {
        "subscription_create" => rng.Next(100) switch
        {
            < 62 => new PayAtOnce(),
            < 72 => new PayLate(),
            < 80 => new PayNowNextDay(),
            _ => new NeverPay(),
        },
        // A credit pack (contract §11.4): its own link and pay now, no dunning; unpaid, it expires.
        "credit_pack" => rng.Next(100) switch
        {
            < 55 => new PayAtOnce(),
            < 62 => new PayLate(),
            < 70 => new PayNowNextDay(),
            _ => new NeverPay(),
        },
        "plan_change" => rng.Next(100) switch
        {
            < 50 => new PayAtOnce(),
            < 60 => new PayLate(),
            < 65 => new PayNowNextDay(),
            _ => new NeverPay(),
        },
        _ => rng.Next(100) switch
        {
            < 46 => new PayAtOnce(),
            < 50 => new PayNowNextDay(),
            < 64 => new PayLate(),
            < 86 => new PayOnRetry(1 + rng.Next(5)),
            < 92 => new NeverPay(),
            _ => new PayTwice(),
        },
    };
}
