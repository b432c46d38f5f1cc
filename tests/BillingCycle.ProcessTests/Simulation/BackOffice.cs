using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using BillingCycle.TestSupport;

namespace BillingCycle.ProcessTests.Simulation;

/// <summary>
/// The billing team's money outside iPaymu (contract §13), through the admin API with operators'
/// Clerk tokens (admin role), after the customers have acted and before iPaymu's callbacks of the
/// day arrive. Transfers: now and then a customer pays an open invoice by bank transfer and an
/// operator records it (paid_at now or earlier that day or week, or refused: a wrong amount, an
/// invoice no longer open, paid_at in the future). The customer may have paid the iPaymu link as
/// well, its callback still on the way (or lost, for the late-payment sweep): that payment must
/// end up flagged as a second payment. Refunds of recently paid invoices: partial, full (some
/// cancelling the subscription), with or without credits taken back, some sent twice with one
/// Idempotency-Key, some racing (two operators at once on one invoice, to both instances: both
/// fit, or only one may), and ones the contract refuses. Draws come from their own seeded random,
/// so adding this left the rest of the year's draws as they were. Each answer is checked against
/// the state read before the calls (nothing else moves invoices in this phase); the invariants
/// (<see cref="InvariantChecker"/>) judge the rest.
/// </summary>
public sealed class BackOffice(ProcessWorld world, Instances instances, ClerkTokens tokens)
{
    /// <summary>Out of 1,000 open invoices a day, how many the customer pays by transfer.</summary>
    private const int TransferPerMille = 12;

    private readonly Dictionary<string, int> _counts = new(StringComparer.Ordinal);
    private readonly HashSet<Guid> _recorded = [];
    private int _keys;

    public string Counts => string.Join(", ", _counts.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key} {c.Value}"));

    public int Count(string prefix) => _counts.Where(c => c.Key.StartsWith(prefix, StringComparison.Ordinal)).Sum(c => c.Value);

    private void Tally(string what) => _counts[what] = _counts.GetValueOrDefault(what) + 1;

    private sealed record Open(Guid Id, long Amount, DateTimeOffset CreatedAt);

    private sealed record Paid(Guid Id, long Amount, long Refunded, string Status);

    /// <param name="now">The service's clock in this phase.</param>
    public async Task ActAsync(Random rng, int day, DateTimeOffset now)
    {
        await TransfersAsync(rng, now);
        await RefundsAsync(rng, now);
    }

    private async Task TransfersAsync(Random rng, DateTimeOffset now)
    {
        var open = (await world.Db.ListAsync<string>("""
            SELECT i.id || '|' || i.amount || '|' || to_char(i.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
              FROM invoices i JOIN subscriptions s ON s.id = i.subscription_id
             WHERE i.status = 'pending' OR (i.status = 'failed' AND s.status = 'past_due')
             ORDER BY i.invoice_number
            """)).Select(r => r.Split('|')).Select(f => new Open(Guid.Parse(f[0]), long.Parse(f[1], CultureInfo.InvariantCulture),
                DateTimeOffset.Parse(f[2], CultureInfo.InvariantCulture))).ToList();
        var calls = new List<(Open Invoice, object Body, string Expect)>();
        foreach (var inv in open)
        {
            if (rng.Next(1000) >= TransferPerMille)
            {
                continue;
            }
            // paid_at as the bank statement says, in Jakarta time: now, or between the invoice and now.
            var minutes = (int)Math.Min((now - inv.CreatedAt).TotalMinutes, 7 * 24 * 60);
            var paidAt = minutes > 2 && rng.Next(2) == 0 ? inv.CreatedAt.AddMinutes(1 + rng.Next(minutes - 1)).ToOffset(TimeSpan.FromHours(7)) : (DateTimeOffset?)null;
            var (amount, expect) = rng.Next(100) switch
            {
                < 6 => (inv.Amount + 1_000, "AMOUNT_MISMATCH"), // a transfer of another amount is not this invoice's payment
                < 10 => (inv.Amount, "PAID_AT_IN_FUTURE"),
                _ => (inv.Amount, "recorded"),
            };
            if (expect == "PAID_AT_IN_FUTURE")
            {
                paidAt = now.AddHours(2).ToOffset(TimeSpan.FromHours(7));
            }
            calls.Add((inv, Transfer(inv.Id, amount, paidAt), expect));
        }
        // An operator who records a transfer for an invoice already settled (another day's list).
        if (rng.Next(100) < 5 && await world.Db.ScalarAsync<string?>(
                "SELECT id || '|' || amount FROM invoices WHERE status IN ('paid', 'refunded', 'cancelled') ORDER BY invoice_number OFFSET $1 LIMIT 1",
                rng.Next(50)) is { } closed)
        {
            var f = closed.Split('|');
            var inv = new Open(Guid.Parse(f[0]), long.Parse(f[1], CultureInfo.InvariantCulture), now);
            calls.Add((inv, Transfer(inv.Id, inv.Amount, null), "INVOICE_NOT_OPEN"));
        }
        var picks = calls.Select(_ => rng.Next(2)).ToArray();
        var answers = new SimApi.Answer[calls.Count];
        await Parallel.ForEachAsync(Enumerable.Range(0, calls.Count), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (i, _) =>
            answers[i] = await PostAsync($"op_{i % 3}", $"/api/admin/invoices/{calls[i].Invoice.Id}/payments", calls[i].Body, picks[i]));
        for (var i = 0; i < calls.Count; i++)
        {
            var (inv, expect, res) = (calls[i].Invoice, calls[i].Expect, answers[i]);
            if (expect == "recorded")
            {
                Check(res.Status == 201 && res.Body.GetProperty("invoice_status").GetString() == "paid"
                      && res.Body.GetProperty("provider").GetString() == "manual",
                      $"transfer for open invoice {inv.Id}: 201, paid, provider manual", res);
                _recorded.Add(res.Body.GetProperty("payment_id").GetGuid());
                Tally("transfer recorded");
            }
            else
            {
                Check(res.Status is 400 or 409 && res.Code == expect, $"transfer for invoice {inv.Id}: refused {expect}", res);
                Tally($"transfer refused {expect}");
            }
        }
    }

    private object Transfer(Guid invoice, long amount, DateTimeOffset? paidAt) => new
    {
        method = "bank_transfer",
        reference = $"BCA {invoice.ToString("N")[..8]}",
        amount,
        paid_at = paidAt?.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture),
        note = "Seen on the BCA statement",
    };

    private sealed record Refund(Paid Invoice, string What, long Amount, bool Revoke, bool Cancel, string Key, int Pick, string Operator)
    {
        /// <summary>A repeat sends its first request's body again, word for word (another body would be IDEMPOTENCY_KEY_REUSED).</summary>
        public string Reason => $"{(What == "refund repeat" ? "refund repeated (one key)" : What)}: returned by transfer";
    }

    private async Task RefundsAsync(Random rng, DateTimeOffset now)
    {
        var n = rng.Next(100) switch { < 35 => 0, < 80 => 1, _ => 2 };
        if (n == 0)
        {
            return;
        }
        // Recently paid invoices (partly refunded ones included), and the fully refunded ones.
        var recent = (await world.Db.ListAsync<string>("""
            SELECT id || '|' || amount || '|' || refunded_amount || '|' || status FROM invoices
             WHERE status IN ('paid', 'refunded') AND paid_at >= $1::timestamptz - interval '40 days'
             ORDER BY invoice_number
            """, now.UtcDateTime)).Select(r => r.Split('|')).Select(f => new Paid(Guid.Parse(f[0]), long.Parse(f[1], CultureInfo.InvariantCulture),
                long.Parse(f[2], CultureInfo.InvariantCulture), f[3])).ToList();
        var paid = recent.Where(p => p.Status == "paid").ToList();
        var refunded = recent.Where(p => p.Status == "refunded").ToList();
        var acts = new List<Refund>();
        var chosen = new HashSet<Guid>();
        for (var k = 0; k < n && paid.Count > 0; k++)
        {
            var inv = paid[rng.Next(paid.Count)];
            var remaining = inv.Amount - inv.Refunded;
            var (revoke, cancel, key) = (rng.Next(2) == 0, false, Key());
            var roll = rng.Next(100);
            if (!chosen.Add(inv.Id))
            {
                continue; // one act per invoice a day, so each answer is judged against a known state
            }
            switch (roll)
            {
                case < 40 when remaining > 1:
                    acts.Add(new(inv, "refund partial", 1 + rng.NextInt64(remaining - 1), revoke, cancel, key, rng.Next(2), "op_1"));
                    break;
                case < 60:
                    acts.Add(new(inv, "refund full", remaining, revoke, rng.Next(100) < 30, key, rng.Next(2), "op_1"));
                    break;
                case < 70:
                    // Sent twice with one key (a retried request): one credit note, the first answer again.
                    var once = new Refund(inv, "refund repeated (one key)", Math.Max(1, remaining / 4), revoke, false, key, rng.Next(2), "op_1");
                    acts.Add(once);
                    acts.Add(once with { What = "refund repeat", Pick = once.Pick + 1 });
                    break;
                case < 85:
                {
                    // Two operators at once, one to each instance: shares of a third both fit, of 60% only one may.
                    var both = remaining >= 3 && rng.Next(2) == 0;
                    var share = both ? remaining / 3 : Math.Max(1, remaining * 6 / 10 + 1);
                    var what = both ? "race both fit" : "race one of two";
                    var pick = rng.Next(2);
                    acts.Add(new(inv, what, share, revoke, false, Key(), pick, "op_2"));
                    acts.Add(new(inv, what, share, rng.Next(2) == 0, false, Key(), pick + 1, "op_3"));
                    break;
                }
                default:
                    acts.Add(new(inv, "refused REFUND_EXCEEDS_PAID", remaining + 1 + rng.Next(10_000), revoke, false, key, rng.Next(2), "op_1"));
                    break;
            }
        }
        if (rng.Next(100) < 20 && refunded.Count > 0 && refunded[rng.Next(refunded.Count)] is var done && chosen.Add(done.Id))
        {
            acts.Add(new(done, "refused INVOICE_ALREADY_REFUNDED", 1_000, false, false, Key(), rng.Next(2), "op_1"));
        }
        if (rng.Next(100) < 20 && await world.Db.ScalarAsync<string?>(
                "SELECT id || '|' || amount FROM invoices WHERE status IN ('pending', 'failed', 'cancelled') ORDER BY invoice_number OFFSET $1 LIMIT 1",
                rng.Next(50)) is { } unpaid && chosen.Add(Guid.Parse(unpaid.Split('|')[0])))
        {
            var f = unpaid.Split('|');
            acts.Add(new(new Paid(Guid.Parse(f[0]), long.Parse(f[1], CultureInfo.InvariantCulture), 0, "unpaid"),
                "refused INVOICE_NOT_PAID", 1_000, false, false, Key(), rng.Next(2), "op_1"));
        }
        if (acts.Count == 0)
        {
            return;
        }

        // All at once (the races meet in the database); a repeat only once its first answer is in,
        // as a client retries (while the first still runs it would be 409 IDEMPOTENCY_KEY_IN_USE).
        var answers = new SimApi.Answer[acts.Count];
        var first = Enumerable.Range(0, acts.Count).Where(i => acts[i].What != "refund repeat").ToList();
        await Task.WhenAll(first.Select(async i => answers[i] = await SendAsync(acts[i])));
        foreach (var i in Enumerable.Range(0, acts.Count).Except(first))
        {
            answers[i] = await SendAsync(acts[i]);
        }
        await JudgeAsync(acts, answers);

        Task<SimApi.Answer> SendAsync(Refund a) => PostAsync(a.Operator, $"/api/admin/invoices/{a.Invoice.Id}/refunds",
            new { amount = a.Amount, reason = a.Reason, revoke_credits = a.Revoke, cancel_subscription = a.Cancel },
            a.Pick, a.Key);
    }

    /// <summary>Each answer against the state before, and each invoice's refunded amount after: exactly what was answered 201.</summary>
    private async Task JudgeAsync(List<Refund> acts, SimApi.Answer[] answers)
    {
        var granted = new Dictionary<Guid, long>();
        foreach (var group in acts.Select((a, i) => (Act: a, Answer: answers[i])).GroupBy(x => x.Act.Invoice.Id))
        {
            var inv = group.First().Act.Invoice;
            var remaining = inv.Amount - inv.Refunded;
            var list = group.ToList();
            var what = list[0].Act.What;
            var created = list.Where(x => x.Answer.Status == 201).ToList();
            foreach (var x in created)
            {
                var note = x.Answer.Body.GetProperty("credit_note");
                Check(note.GetProperty("amount").GetInt64() == x.Act.Amount && note.GetProperty("invoice_id").GetGuid() == inv.Id
                      && note.GetProperty("credit_note_number").GetString() is { } number && number.StartsWith("CN-", StringComparison.Ordinal),
                      $"{what} of {x.Act.Amount} on {inv.Id}: a credit note of that amount", x.Answer);
            }
            var sum = created.Sum(x => x.Act.Amount);
            switch (what)
            {
                case "refund partial" or "refund full":
                    Check(created.Count == 1, $"{what} of {list[0].Act.Amount} of {remaining} left on {inv.Id}: 201", list[0].Answer);
                    Check(list[0].Answer.Body.GetProperty("invoice").GetProperty("status").GetString() == (what == "refund full" ? "refunded" : "paid"),
                          $"{what}: the invoice {(what == "refund full" ? "refunded" : "still paid")}", list[0].Answer);
                    Tally(what + (list[0].Act.Cancel ? " (subscription canceled)" : ""));
                    break;
                case "refund repeated (one key)":
                    Check(created.Count == 2 && created[0].Answer.Body.GetProperty("credit_note").GetProperty("id").GetGuid()
                                                == created[1].Answer.Body.GetProperty("credit_note").GetProperty("id").GetGuid(),
                          $"the same key twice on {inv.Id}: the first answer again, one credit note", list[^1].Answer);
                    sum = list[0].Act.Amount;
                    Tally(what);
                    break;
                case "race both fit":
                    Check(created.Count == 2, $"two refunds of {list[0].Act.Amount} of {remaining} left on {inv.Id}, at once: both 201", list[0].Answer);
                    Tally(what);
                    break;
                case "race one of two":
                    var refused = list.Where(x => x.Answer.Status != 201).ToList();
                    Check(created.Count == 1 && refused.Count == 1 && refused[0].Answer is { Status: 409, Code: "REFUND_EXCEEDS_PAID" },
                          $"two refunds of {list[0].Act.Amount} of {remaining} left on {inv.Id}, at once: one 201, one 409 REFUND_EXCEEDS_PAID",
                          refused.Count == 1 ? refused[0].Answer : list[0].Answer);
                    Tally(what);
                    break;
                default: // refused …
                    var code = what["refused ".Length..];
                    Check(list[0].Answer is { Status: 409 } a && a.Code == code, $"{what} on {inv.Id}", list[0].Answer);
                    Tally(what);
                    break;
            }
            granted[inv.Id] = inv.Refunded + sum;
        }
        // Held by the database whatever the answers said: the refunded amount grew by exactly the credit notes answered.
        var after = (await world.Db.ListAsync<string>("SELECT id || '|' || refunded_amount FROM invoices WHERE id = ANY($1)",
            (object)granted.Keys.ToArray())).Select(r => r.Split('|')).ToDictionary(f => Guid.Parse(f[0]), f => long.Parse(f[1], CultureInfo.InvariantCulture));
        var wrong = granted.Where(g => after[g.Key] != g.Value).Select(g => $"{g.Key}: {after[g.Key]}, answered {g.Value}").ToList();
        Check(wrong.Count == 0, "each invoice's refunded amount is what the answers add up to", new SimApi.Answer(0, default), string.Join("; ", wrong));
    }

    /// <summary>
    /// No money conjured outside iPaymu either: each manual payment of these invoices is one an
    /// operator was answered 201 for (and iPaymu's are checked against the gateway by the test).
    /// </summary>
    public async Task AssertRecordedByOperatorAsync(Guid[] invoices)
    {
        var manual = await world.Db.ListAsync<Guid>(
            "SELECT id FROM payments WHERE invoice_id = ANY($1) AND provider = 'manual' AND status = 'paid'", (object)invoices);
        var conjured = manual.Where(id => !_recorded.Contains(id)).ToList();
        ResilienceReport.Checked(conjured.Count == 0 ? 0 : 1);
        Assert.True(conjured.Count == 0, $"manual payments no operator recorded: {string.Join(", ", conjured.Take(5))}");
    }

    /// <summary>A run long enough to live every path (the test decides): each kind happened at least once.</summary>
    public async Task AssertEveryKindHappenedAsync()
    {
        Assert.True(new[] { "transfer recorded", "transfer refused", "refund partial", "refund full", "refund repeated", "race both fit", "race one of two", "refused" }
            .All(k => Count(k) > 0), $"every kind of money outside iPaymu at least once: {Counts}");
        Assert.True(await world.Db.ScalarAsync<long>("""
            SELECT count(*) FROM billing_logs l JOIN payments m ON m.invoice_id::text = l.details->>'invoice_id' AND m.provider = 'manual'
             WHERE l.event_type = 'payment_oddity' AND l.details->>'kind' = 'second_payment'
            """) > 0, "a transferred invoice also paid through iPaymu at least once");
    }

    /// <summary>What the year's money outside iPaymu came to, read from the database.</summary>
    public async Task<string> FiguresAsync() => await world.Db.ScalarAsync<string>("""
        SELECT concat_ws(' ',
            (SELECT count(*) FROM payments WHERE provider = 'manual' AND status = 'paid'), 'transfers recorded;',
            (SELECT count(*) FROM credit_notes), 'credit notes of',
            (SELECT count(DISTINCT invoice_id) FROM credit_notes), 'invoices, IDR',
            (SELECT coalesce(sum(amount), 0) FROM credit_notes), 'refunded,',
            (SELECT count(*) FROM invoices WHERE status = 'refunded'), 'fully;',
            (SELECT count(*) FROM credit_transactions WHERE kind = 'revoke'), 'revocations of',
            (SELECT coalesce(-sum(amount), 0) FROM credit_transactions WHERE kind = 'revoke'), 'credits;',
            (SELECT count(*) FROM subscriptions WHERE cancel_reason = 'Refunded'), 'subscriptions canceled by a refund;',
            (SELECT count(*) FROM billing_logs WHERE event_type = 'payment_oddity' AND details->>'kind' = 'second_payment'
                AND details->>'invoice_id' IN (SELECT invoice_id::text FROM payments WHERE provider = 'manual')),
            'iPaymu payments of transferred invoices flagged second_payment')
        """);

    private string Key() => "sim-refund-" + (++_keys).ToString(CultureInfo.InvariantCulture);

    private async Task<SimApi.Answer> PostAsync(string op, string path, object body, int pick, string? key = null)
    {
        using var req = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative)) { Content = JsonContent.Create(body) };
        req.Headers.Authorization = new("Bearer", tokens.Admin(op));
        if (key is not null)
        {
            req.Headers.Add("Idempotency-Key", key);
        }
        using var res = await instances.Pick(pick).Http.SendAsync(req);
        var text = await res.Content.ReadAsStringAsync();
        return new SimApi.Answer((int)res.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    private static void Check(bool ok, string expected, SimApi.Answer res, string? detail = null)
    {
        if (!ok)
        {
            throw new InvalidOperationException($"operator: expected {expected}, answered {res}{(detail is null ? "" : ": " + detail)}");
        }
    }
}
