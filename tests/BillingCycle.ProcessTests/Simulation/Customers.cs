using System.Globalization;
using BillingCycle.IPaymu.StandIn;

namespace BillingCycle.ProcessTests.Simulation;

/// <summary>
/// The customers: each open payment link the service told a customer about is acted on once,
/// per the invoice's behaviour (drawn from the seed the first time the invoice is seen). Paying
/// marks the payment paid at the stand-in and hands iPaymu's callback to the mailbox. And a
/// fraudster: the VA that signs callbacks is no secret (SPEC §10.3), so now and then someone posts
/// a correctly signed "paid" callback for an open link, with a transaction iPaymu never had.
/// </summary>
public sealed class Customers(ProcessWorld world, Mailbox mail, Func<SignedCallback, int, Task<int?>> deliver)
{
    private long _nextForgery = 900_000_000;

    private readonly Dictionary<string, Behaviour> _plans = [];
    private readonly HashSet<string> _handled = [];

    public int Forged { get; private set; }

    public IEnumerable<string> PlanCounts() => _plans.Values.GroupBy(p => p.ToString()).Select(g => $"{g.Key} x{g.Count()}");

    public async Task ActAsync(Random rng, int day)
    {
        var open = await world.Db.ListAsync<string>("""
            SELECT p.session_id || '|' || p.invoice_id || '|' || p.attempt_number
              FROM payments p JOIN invoices i ON i.id = p.invoice_id
             WHERE p.status = 'pending' AND p.session_id IS NOT NULL
             ORDER BY i.user_id, i.period_start, p.attempt_number -- not reference_id: its sequence number can skip after a crash
            """);
        var forgeries = new List<(SignedCallback Claim, int To)>();
        foreach (var row in open)
        {
            var parts = row.Split('|');
            var (session, invoice, attempt) = (parts[0], parts[1], int.Parse(parts[2], CultureInfo.InvariantCulture));
            if (rng.Next(100) < 2)
            {
                forgeries.Add((Forge(session), rng.Next(2)));
            }
            if (!_handled.Add(session))
            {
                continue;
            }
            if (!_plans.TryGetValue(invoice, out var plan))
            {
                _plans[invoice] = plan = Behaviour.Draw(rng);
            }
            switch (plan)
            {
                case Behaviour.PayAtOnce:
                    mail.Post(rng, day, Pay(session));
                    break;
                case Behaviour.PayLate:
                    mail.Post(rng, day, Pay(session), late: true);
                    break;
                case Behaviour.PayOnRetry r when attempt > r.Failures:
                    mail.Post(rng, day, Pay(session));
                    break;
                case Behaviour.PayTwice when attempt >= 2:
                    var first = await world.Db.ScalarAsync<string>(
                        "SELECT session_id FROM payments WHERE invoice_id = $1::uuid AND attempt_number = 1", invoice);
                    mail.Post(rng, day, Pay(session));
                    mail.Post(rng, day, Pay(first)); // the old, expired link paid as well
                    break;
            }
        }
        // Posted straight to the service, several at a time, as a script would.
        await Parallel.ForEachAsync(forgeries, new ParallelOptions { MaxDegreeOfParallelism = 8 },
            async (f, _) => await deliver(f.Claim, f.To));
    }

    /// <summary>A signed callback claiming the link was paid: the service must ask iPaymu, which has no such transaction.</summary>
    private SignedCallback Forge(string session)
    {
        var real = world.StandIn.State.BySession[session];
        var claim = new StandInPayment
        {
            SessionId = real.SessionId, ReferenceId = real.ReferenceId, Amount = real.Amount, NotifyUrl = real.NotifyUrl,
            CreatedAt = real.CreatedAt, ExpiresAt = real.ExpiresAt, BuyerName = real.BuyerName,
            TransactionId = (++_nextForgery).ToString(CultureInfo.InvariantCulture), Status = 1, PaidAt = world.StandIn.State.Clock.GetUtcNow(),
        };
        Forged++;
        return world.StandIn.Callbacks.Build(claim);
    }

    private SignedCallback Pay(string session)
    {
        var p = world.StandIn.State.BySession[session];
        lock (p)
        {
            world.StandIn.State.AssignTransaction(p);
            p.Status = 1;
            p.PaidAt ??= world.StandIn.State.Clock.GetUtcNow();
        }
        return world.StandIn.Callbacks.Build(p);
    }
}
