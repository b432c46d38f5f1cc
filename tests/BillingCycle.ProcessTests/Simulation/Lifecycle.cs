using System.Globalization;
using System.Text.Json;
using BillingCycle.TestSupport;

namespace BillingCycle.ProcessTests.Simulation;

/// <summary>A plan the simulated customers choose between: monthly or yearly, with a trial of TrialDays or none (contract §11).</summary>
public sealed record SimPlan(Guid Id, string Name, long Price, long Interaction, long Scraper, string Interval = "month", int TrialDays = 0);

/// <summary>
/// The customers' side of the web app (contract §7), through the real API with their own Clerk tokens.
/// New customers check out — whether they pay is their invoice's behaviour, and an unpaid checkout
/// is withdrawn by housekeeping — and now and then one checks out twice at once, of which exactly
/// one may win. Active customers upgrade mid-period (the prorated invoice paid, or left unpaid:
/// its behaviour again), downgrade (applied at the next renewal), cancel at the period end and
/// resume, or cancel now; customers who left come back with a new checkout. Some ask for what the
/// contract refuses (a second subscription, a plan change while past due) and must be refused.
/// A day's choices are drawn in one pass over the live subscriptions in user order, then sent
/// several at a time, one call per customer; nothing else moves a subscription meanwhile, so each
/// answer is checked against exactly what the state allowed. A surprise throws (and the day fails).
/// </summary>
public sealed class Lifecycle(ProcessWorld world, SimApi api, IReadOnlyList<SimPlan> plans)
{
    /// <summary>Calls in flight at once (distinct customers).</summary>
    private const int Concurrency = 8;

    private int _newCustomers;
    private readonly Dictionary<string, int> _counts = new(StringComparer.Ordinal);

    /// <summary>What was asked and answered, by kind (checkouts, races, upgrades invoiced or applied at once, …).</summary>
    public string Counts => string.Join(", ", _counts.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key} {c.Value}"));

    public int Count(string what) => _counts.GetValueOrDefault(what);

    private sealed record Act(string User, string What, int Pick, SimPlan? Plan = null, SimPlan? From = null, SimPack? Pack = null)
    {
        /// <summary>A coupon code a newcomer checks out with (contract §11.3; seeded by SimulationTests).</summary>
        public string? Coupon { get; init; }
    }

    /// <summary>The simulated year's coupons: code → (percent off, amount off); SIMEVER runs out after 25 redemptions.</summary>
    public static readonly IReadOnlyDictionary<string, (int? Percent, long? Amount)> Coupons = new Dictionary<string, (int?, long?)>
    {
        ["SIMONCE"] = (20, null), ["SIMREP"] = (null, 5_000), ["SIMEVER"] = (10, null),
    };

    /// <summary>A credit pack the customers may buy (contract §11.4), read once from the seeded catalogue.</summary>
    private sealed record SimPack(Guid Id, long Price);

    private List<SimPack>? _packs;

    public async Task ActAsync(Random rng, int day)
    {
        var live = await world.Db.ListAsync<string>("""
            SELECT user_id || '|' || status || '|' || plan_id || '|' || cancel_at_period_end
              FROM subscriptions WHERE status <> 'canceled' ORDER BY user_id
            """);
        var lapsed = await world.Db.ListAsync<string>(
            "SELECT user_id FROM subscriptions GROUP BY user_id HAVING bool_and(status = 'canceled') ORDER BY user_id");

        _packs ??= (await world.Db.ListAsync<string>("SELECT id || '|' || price FROM credit_packs WHERE is_active ORDER BY price, id"))
            .Select(p => p.Split('|')).Select(p => new SimPack(Guid.Parse(p[0]), long.Parse(p[1], CultureInfo.InvariantCulture))).ToList();
        // Every draw here, in order: the seed decides the same acts each run.
        var acts = new List<Act>();
        foreach (var row in live)
        {
            var f = row.Split('|');
            var (user, status, plan, cancelAtEnd) = (f[0], f[1], plans.Single(p => p.Id == Guid.Parse(f[2])), f[3] == "true");
            var r = rng.Next(10_000);
            var pick = rng.Next(2);
            var act = status switch
            {
                "active" when cancelAtEnd && r < 1_000 => new Act(user, "resume", pick),
                "active" when r < 25 => Pricier(plan, rng) is { } up ? new Act(user, "upgrade", pick, up, plan) : null,
                "active" when r < 40 => Cheaper(plan, rng) is { } down ? new Act(user, "downgrade", pick, down, plan) : null,
                "active" when r < 46 && !cancelAtEnd => new Act(user, "cancel at period end", pick),
                "active" when r < 48 => new Act(user, "cancel now", pick),
                "active" when r < 50 => new Act(user, "second checkout refused", pick, plans[rng.Next(plans.Count)]),
                "active" when r < 53 && _packs.Count > 0 => new Act(user, "buy credit pack", pick, Pack: _packs[r % _packs.Count]),
                // Monthly ↔ yearly: scheduled for the next renewal whatever the prices (contract §11.1).
                "active" when r < 56 => OtherInterval(plan, rng) is { } other ? new Act(user, "interval change scheduled", pick, other, plan) : null,
                // A trial (contract §11.2): a plan change switches at once; cancel either way.
                "trialing" when r < 150 => new Act(user, "trial plan change", pick, plans.First(p => p.Id != plan.Id && p.Interval == "month"), plan),
                "trialing" when r < 250 && !cancelAtEnd => new Act(user, "cancel at period end", pick),
                "trialing" when r < 300 => new Act(user, "cancel now", pick),
                "past_due" when r < 30 => new Act(user, "plan change refused (past due)", pick, plans.First(p => p.Id != plan.Id)),
                "past_due" when r < 40 => new Act(user, "cancel now", pick),
                "incomplete" when r < 50 => new Act(user, "checkout abandoned (cancel)", pick),
                "incomplete" when r < 100 => new Act(user, "plan change refused (incomplete)", pick, plans.First(p => p.Id != plan.Id)),
                _ => null,
            };
            if (act is not null)
            {
                acts.Add(act);
            }
        }
        foreach (var user in lapsed)
        {
            if (rng.Next(10_000) < 15)
            {
                acts.Add(new Act(user, "checkout again", rng.Next(2), plans[rng.Next(plans.Count)]));
            }
            else if (rng.Next(10_000) < 10 && plans.FirstOrDefault(p => p.TrialDays > 0) is { } trial)
            {
                // Asks for a trial: refused for a user who had one (contract §11.2), else a trial.
                acts.Add(new Act(user, "trial asked again", rng.Next(2), trial));
            }
        }
        var arrivals = rng.Next(10) switch { < 4 => 0, < 9 => 1, _ => 2 };
        var newcomers = new List<string>();
        for (var i = 0; i < arrivals; i++)
        {
            var user = "simn" + (++_newCustomers).ToString("D5", CultureInfo.InvariantCulture);
            newcomers.Add(user);
            var act = new Act(user, rng.Next(10) == 0 ? "checkout race" : "checkout", rng.Next(2), plans[rng.Next(plans.Count)]);
            acts.Add(act.What == "checkout" && rng.Next(4) == 0 ? act with { Coupon = Coupons.Keys.ElementAt(rng.Next(Coupons.Count)) } : act);
        }
        if (newcomers.Count > 0)
        {
            // The web app writes its users (contract §1); the service reads their contact details for iPaymu.
            // One in two without an address: their emails are skipped (contract §8.2), their links still made.
            await world.Db.ExecAsync("""
                INSERT INTO users (id, email, full_name, phone)
                SELECT u, CASE WHEN right(u, 1) IN ('0', '2', '4', '6', '8') THEN u || '@example.com' END, 'Komang Test', '08123456789' FROM unnest($1::text[]) u
                """, (object)newcomers.ToArray());
        }

        var tallies = new System.Collections.Concurrent.ConcurrentBag<string>();
        await Parallel.ForEachAsync(acts, new ParallelOptions { MaxDegreeOfParallelism = Concurrency },
            async (a, _) => tallies.Add(await RunAsync(a)));
        foreach (var t in tallies)
        {
            _counts[t] = _counts.GetValueOrDefault(t) + 1;
        }
    }

    private SimPlan? Pricier(SimPlan p, Random rng)
    {
        var up = plans.Where(x => x.Price > p.Price && x.Interval == p.Interval).ToList();
        return up.Count == 0 ? null : up[rng.Next(up.Count)];
    }

    private SimPlan? Cheaper(SimPlan p, Random rng)
    {
        var down = plans.Where(x => x.Price < p.Price && x.Interval == p.Interval).ToList();
        return down.Count == 0 ? null : down[rng.Next(down.Count)];
    }

    private SimPlan? OtherInterval(SimPlan p, Random rng)
    {
        var other = plans.Where(x => x.Interval != p.Interval).ToList();
        return other.Count == 0 ? null : other[rng.Next(other.Count)];
    }

    /// <summary>Sends one act and checks its answer; returns the tally it counts under.</summary>
    private async Task<string> RunAsync(Act a)
    {
        switch (a.What)
        {
            case "checkout" when a.Coupon is { } code:
            {
                var res = await api.PostAsync(a.User, "/api/subscriptions", new { plan_id = a.Plan!.Id, coupon_code = code, trial = false }, a.Pick);
                if (res.Status == 409 && res.Code == "COUPON_EXHAUSTED" && code == "SIMEVER")
                {
                    return $"coupon {code} exhausted";
                }
                Expect(a, res, 201);
                var (percent, amount) = Coupons[code];
                var off = percent is { } p ? (long)Math.Round(a.Plan.Price * p / 100m, MidpointRounding.AwayFromZero) : Math.Min(amount!.Value, a.Plan.Price);
                var invoice = res.Body.GetProperty("invoice");
                Check(a, res, invoice.GetProperty("amount").GetInt64() == a.Plan.Price - off
                              && invoice.GetProperty("line_items").GetProperty("discount").GetProperty("coupon_code").GetString() == code,
                    "the checkout invoice for the plan's price less the coupon's discount");
                return $"checkout with coupon {code}";
            }
            case "checkout" or "checkout again":
            {
                // Nothing else moves this customer meanwhile: whether they had a trial decides the answer.
                var hadTrial = await world.Db.ScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM trial_users WHERE user_id = $1)", a.User);
                var res = await api.PostAsync(a.User, "/api/subscriptions", new { plan_id = a.Plan!.Id }, a.Pick);
                Expect(a, res, 201);
                var sub = res.Body.GetProperty("subscription");
                var invoice = res.Body.GetProperty("invoice");
                if (a.Plan.TrialDays > 0 && !hadTrial)
                {
                    Check(a, res, sub.GetProperty("status").GetString() == "trialing" && invoice.ValueKind == JsonValueKind.Null
                                  && sub.GetProperty("trial_end").ValueKind == JsonValueKind.String,
                        "a trialing subscription with its trial_end and no invoice");
                    return "trial started";
                }
                Check(a, res, sub.GetProperty("status").GetString() == "incomplete" && sub.GetProperty("plan").GetProperty("id").GetGuid() == a.Plan.Id
                              && invoice.GetProperty("kind").GetString() == "subscription_create" && invoice.GetProperty("amount").GetInt64() == a.Plan.Price,
                    "an incomplete subscription on the plan and its checkout invoice for the plan's price");
                return a.What;
            }
            case "checkout race":
            {
                // The same customer, two tabs: both checkouts at once, one wins (contract §7.2, database-enforced).
                var both = await Task.WhenAll(
                    api.PostAsync(a.User, "/api/subscriptions", new { plan_id = a.Plan!.Id }, a.Pick),
                    api.PostAsync(a.User, "/api/subscriptions", new { plan_id = a.Plan.Id }, a.Pick + 1));
                var statuses = both.Select(b => b.Status).Order().ToArray();
                Check(a, both[0], statuses is [201, 409] && both.Single(b => b.Status == 409).Code == "SUBSCRIPTION_EXISTS",
                    $"one 201 and one 409 SUBSCRIPTION_EXISTS, got {both[0]} and {both[1]}");
                return a.What;
            }
            case "buy credit pack":
            {
                // At most three open pack invoices per user (contract §11.4): nothing else moves this user's
                // invoices meanwhile, so the count before the call says which answer is due.
                var open = await world.Db.ScalarAsync<long>(
                    "SELECT count(*) FROM invoices WHERE user_id = $1 AND kind = 'credit_pack' AND status IN ('pending', 'failed')", a.User);
                var res = await api.PostAsync(a.User, $"/api/credit-packs/{a.Pack!.Id}/purchase", new { }, a.Pick);
                if (open >= 3)
                {
                    Expect(a, res, 409, "TOO_MANY_OPEN_INVOICES");
                    return "credit pack refused (three open)";
                }
                Expect(a, res, 201);
                var invoice = res.Body.GetProperty("invoice");
                Check(a, res, invoice.GetProperty("kind").GetString() == "credit_pack" && invoice.GetProperty("amount").GetInt64() == a.Pack.Price,
                    "a credit_pack invoice for the pack's price");
                return a.What;
            }
            case "trial asked again":
            {
                var hadTrial = await world.Db.ScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM trial_users WHERE user_id = $1)", a.User);
                var res = await api.PostAsync(a.User, "/api/subscriptions", new { plan_id = a.Plan!.Id, trial = true }, a.Pick);
                if (hadTrial)
                {
                    Expect(a, res, 409, "TRIAL_ALREADY_USED");
                    return "second trial refused";
                }
                Expect(a, res, 201);
                Check(a, res, res.Body.GetProperty("subscription").GetProperty("status").GetString() == "trialing", "trialing");
                return "trial started";
            }
            case "interval change scheduled":
            {
                var res = await api.PostAsync(a.User, "/api/subscriptions/current/change-plan", new { plan_id = a.Plan!.Id }, a.Pick);
                Expect(a, res, 200);
                var sub = res.Body.GetProperty("subscription");
                Check(a, res, res.Body.GetProperty("invoice").ValueKind == JsonValueKind.Null && sub.GetProperty("plan").GetProperty("id").GetGuid() == a.From!.Id
                              && sub.GetProperty("scheduled_plan").GetProperty("id").GetGuid() == a.Plan.Id,
                    "no invoice, the plan unchanged, the other interval scheduled");
                return a.What;
            }
            case "trial plan change":
            {
                var res = await api.PostAsync(a.User, "/api/subscriptions/current/change-plan", new { plan_id = a.Plan!.Id }, a.Pick);
                Expect(a, res, 200);
                var sub = res.Body.GetProperty("subscription");
                Check(a, res, res.Body.GetProperty("invoice").ValueKind == JsonValueKind.Null && sub.GetProperty("plan").GetProperty("id").GetGuid() == a.Plan.Id
                              && sub.GetProperty("status").GetString() == "trialing",
                    "no invoice, the new plan at once, still trialing");
                return a.What;
            }
            case "second checkout refused":
                Expect(a, await api.PostAsync(a.User, "/api/subscriptions", new { plan_id = a.Plan!.Id }, a.Pick), 409, "SUBSCRIPTION_EXISTS");
                return a.What;
            case "upgrade":
            {
                var res = await api.PostAsync(a.User, "/api/subscriptions/current/change-plan", new { plan_id = a.Plan!.Id }, a.Pick);
                Expect(a, res, 200);
                var planNow = res.Body.GetProperty("subscription").GetProperty("plan").GetProperty("id").GetGuid();
                if (res.Body.GetProperty("invoice") is { ValueKind: JsonValueKind.Object } invoice)
                {
                    // Invoiced: the plan changes only when this is paid (contract §7.5).
                    Check(a, res, invoice.GetProperty("kind").GetString() == "plan_change" && planNow == a.From!.Id
                                  && invoice.GetProperty("amount").GetInt64() is >= 5_000 and var amount && amount <= a.Plan.Price - a.From.Price,
                        "a plan_change invoice of at least the minimum charge and at most the full difference, the plan unchanged");
                    return "upgrade invoiced";
                }
                // Below the minimum charge (the period's last hours): applied at once, no invoice.
                Check(a, res, planNow == a.Plan.Id, "no invoice only when the upgrade applied at once");
                return "upgrade applied at once (below the minimum charge)";
            }
            case "downgrade":
            {
                var res = await api.PostAsync(a.User, "/api/subscriptions/current/change-plan", new { plan_id = a.Plan!.Id }, a.Pick);
                Expect(a, res, 200);
                var sub = res.Body.GetProperty("subscription");
                Check(a, res, res.Body.GetProperty("invoice").ValueKind == JsonValueKind.Null && sub.GetProperty("plan").GetProperty("id").GetGuid() == a.From!.Id
                              && sub.GetProperty("scheduled_plan").GetProperty("id").GetGuid() == a.Plan.Id,
                    "no invoice, the plan unchanged, the new one scheduled");
                return a.What;
            }
            case "plan change refused (past due)" or "plan change refused (incomplete)":
                Expect(a, await api.PostAsync(a.User, "/api/subscriptions/current/change-plan", new { plan_id = a.Plan!.Id }, a.Pick), 409, "SUBSCRIPTION_NOT_ACTIVE");
                return a.What;
            case "cancel at period end":
            {
                var res = await api.PostAsync(a.User, "/api/subscriptions/current/cancel", new { at_period_end = true }, a.Pick);
                Expect(a, res, 200);
                Check(a, res, res.Body.GetProperty("subscription").GetProperty("cancel_at_period_end").GetBoolean()
                              && res.Body.GetProperty("subscription").GetProperty("status").GetString() is "active" or "trialing",
                    "still live (active or trialing), set to cancel");
                return a.What;
            }
            case "cancel now" or "checkout abandoned (cancel)":
            {
                // An incomplete checkout has no period to wait for: canceled now either way (contract §7.4).
                var res = await api.PostAsync(a.User, "/api/subscriptions/current/cancel", new { at_period_end = a.What != "cancel now" }, a.Pick);
                Expect(a, res, 200);
                Check(a, res, res.Body.GetProperty("subscription").GetProperty("status").GetString() == "canceled", "canceled");
                return a.What;
            }
            case "resume":
            {
                var res = await api.PostAsync(a.User, "/api/subscriptions/current/resume", new { }, a.Pick);
                Expect(a, res, 200);
                Check(a, res, !res.Body.GetProperty("subscription").GetProperty("cancel_at_period_end").GetBoolean(), "no longer set to cancel");
                return a.What;
            }
            default:
                throw new InvalidOperationException(a.What);
        }
    }

    private static void Expect(Act a, SimApi.Answer res, int status, string? code = null) =>
        Check(a, res, res.Status == status && (code is null || res.Code == code), $"{status}{(code is null ? "" : " " + code)}");

    private static void Check(Act a, SimApi.Answer res, bool ok, string expected)
    {
        if (!ok)
        {
            throw new InvalidOperationException($"{a.User} {a.What} ({a.From?.Name} -> {a.Plan?.Name}): expected {expected}, answered {res}");
        }
    }
}
