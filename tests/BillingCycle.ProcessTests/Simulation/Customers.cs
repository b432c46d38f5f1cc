using System.Globalization;
using BillingCycle.IPaymu.StandIn;

namespace BillingCycle.ProcessTests.Simulation;

/// <summary>
/// The customers: each open payment link the service told a customer about is acted on once,
/// per the invoice's behaviour (drawn from the seed the first time the invoice is seen). Paying
/// marks the payment paid at the stand-in and hands iPaymu's callback to the mailbox. And a
/// fraudster: the VA that signs callbacks is no secret (contract §10.3), so now and then someone posts
/// a correctly signed "paid" callback for an open link, with a transaction iPaymu never had.
/// </summary>
public sealed class Customers(ProcessWorld world, Mailbox mail, Func<SignedCallback, int, Task<int?>> deliver, SimApi api)
{
    private long _nextForgery = 900_000_000;

    private readonly Dictionary<string, Behaviour> _plans = [];
    private readonly HashSet<string> _handled = [];
    /// <summary>Invoices whose customer asks for a link (pay now) on the given day: invoice → (user, day).</summary>
    private readonly SortedDictionary<string, (string User, int Day)> _payNow = new(StringComparer.Ordinal);

    public int Forged { get; private set; }

    /// <summary>Pay-now answers: a link (200), the gateway down (503), the invoice no longer open (409).</summary>
    public int PayNowLinks { get; private set; }
    public int PayNowUnavailable { get; private set; }
    public int PayNowNotOpen { get; private set; }

    public IEnumerable<string> PlanCounts() => _plans.Values.GroupBy(p => p.ToString()).Select(g => $"{g.Key} x{g.Count()}");

    public async Task ActAsync(Random rng, int day, bool outage)
    {
        await PayNowAsync(rng, day, outage);
        var open = await world.Db.ListAsync<string>("""
            SELECT p.session_id || '|' || p.invoice_id || '|' || p.attempt_number || '|' || i.kind || '|' || i.user_id
              FROM payments p JOIN invoices i ON i.id = p.invoice_id
             WHERE p.status = 'pending' AND p.session_id IS NOT NULL
             ORDER BY i.user_id, i.period_start, i.kind, p.attempt_number -- not reference_id: its sequence number can skip after a crash
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
                _plans[invoice] = plan = Behaviour.Draw(rng, parts[3]);
                if (plan is Behaviour.PayNowNextDay)
                {
                    _payNow[invoice] = (parts[4], day + 1);
                }
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

    /// <summary>
    /// The customers who left their link and come back the next day (the pay page's "Bayar
    /// sekarang", contract §7.6): an open invoice gets a live link — a new attempt when the old one has
    /// under 30 minutes left — which they pay; one no longer open is refused (409); with iPaymu down
    /// a new link cannot be made (503) and they try again the day after. Answers are checked
    /// against the invoice's state, read before the calls.
    /// </summary>
    private async Task PayNowAsync(Random rng, int day, bool outage)
    {
        var due = _payNow.Where(p => p.Value.Day <= day).Select(p => (Invoice: p.Key, p.Value.User, Pick: rng.Next(2))).ToList();
        if (due.Count == 0)
        {
            return;
        }
        var state = (await world.Db.ListAsync<string>("""
            SELECT i.id || '|' || i.status || '|' || coalesce(s.status, 'none') FROM invoices i LEFT JOIN subscriptions s ON s.id = i.subscription_id
             WHERE i.id = ANY($1::uuid[]) -- a credit pack's invoice has no subscription
            """, (object)due.Select(d => Guid.Parse(d.Invoice)).ToArray())).Select(r => r.Split('|')).ToDictionary(r => r[0], r => (Invoice: r[1], Subscription: r[2]));
        var answers = new SimApi.Answer[due.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, due.Count), new ParallelOptions { MaxDegreeOfParallelism = 8 },
            async (i, _) => answers[i] = await api.PostAsync(due[i].User, $"/api/invoices/{due[i].Invoice}/pay", new { }, due[i].Pick));
        for (var i = 0; i < due.Count; i++)
        {
            var (invoice, res) = (due[i].Invoice, answers[i]);
            var s = state[invoice];
            var open = s.Invoice == "pending" || (s.Invoice == "failed" && s.Subscription == "past_due");
            if (open && res.Status == 200)
            {
                PayNowLinks++;
                _payNow.Remove(invoice);
                var attempt = res.Body.GetProperty("attempt_number").GetInt32();
                var row = (await world.Db.ScalarAsync<string>(
                    "SELECT status || '|' || session_id || '|' || payment_url FROM payments WHERE invoice_id = $1::uuid AND attempt_number = $2",
                    invoice, attempt)).Split('|', 3);
                var session = row[1];
                Assert.True(row[0] == "pending" && res.Body.GetProperty("payment_url").GetString() == row[2],
                    $"pay now on {invoice}: the link answered is open attempt {attempt}'s ({string.Join(" ", row)}), answered {res}");
                _handled.Add(session);
                mail.Post(rng, day, Pay(session));
            }
            else if (open && outage && res is { Status: 503, Code: "GATEWAY_UNAVAILABLE" })
            {
                PayNowUnavailable++;
                _payNow[invoice] = (due[i].User, day + 1);
            }
            else if (!open && res is { Status: 409, Code: "INVOICE_NOT_OPEN" })
            {
                PayNowNotOpen++;
                _payNow.Remove(invoice);
            }
            else
            {
                throw new InvalidOperationException($"pay now on invoice {invoice} ({s.Invoice}, subscription {s.Subscription}{(outage ? ", iPaymu down" : "")}): answered {res}");
            }
        }
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
