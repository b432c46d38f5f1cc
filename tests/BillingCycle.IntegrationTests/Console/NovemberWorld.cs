using System.Net;
using BillingCycle.IntegrationTests.Infrastructure;
using BillingCycle.TestSupport;

namespace BillingCycle.IntegrationTests.Console;

/// <summary>
/// A billing month played on the real engine: twelve customers, the daily renewal and retry runs
/// of 1–29 November 2026 on the test clock, each customer paying or letting expire the links the
/// engine sends them (through the iPaymu stand-in's signed callbacks). Only the customers, plans
/// and one October cancellation are written by hand, as the web app would write them.
/// </summary>
public sealed class NovemberWorld
{
    public const string Month = "2026-11";
    public static readonly DateTimeOffset MonthStart = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
    public static readonly DateTimeOffset MonthEnd = MonthStart.AddMonths(1);
    public const int LastDay = 29;

    private sealed record Customer(string Id, string Name, long Price, DateTimeOffset PeriodEnd, string[] Fate, bool CancelAtPeriodEnd = false);

    /// <summary>What each customer does with the link of attempt n (1-based): pay, expire, or leave it open.</summary>
    private static readonly Customer[] Customers =
    [
        new("user_ayu", "Ayu Lestari", 149_000, MonthStart, ["pay"]),
        new("user_bayu", "Bayu Pratama", 99_000, MonthStart, ["pay"]),
        new("user_citra", "Citra Dewi", 149_000, MonthStart, ["expire", "pay"]),
        new("user_dewi", "Dewi Anggraini", 249_000, MonthStart, ["expire", "expire", "expire", "pay"]),
        new("user_eka", "Eka Saputra", 149_000, MonthStart, ["expire", "expire", "expire", "expire", "expire", "expire"]),
        new("user_fajar", "Fajar Nugroho", 199_000, new DateTimeOffset(2026, 11, 22, 0, 0, 0, TimeSpan.Zero), ["expire", "expire", "expire", "leave"]),
        new("user_gita", "Gita Permata", 149_000, new DateTimeOffset(2026, 11, 29, 0, 0, 0, TimeSpan.Zero), ["leave"]),
        new("user_hadi", "Hadi Wijaya", 149_000, MonthStart, [], CancelAtPeriodEnd: true),
        new("user_indra", "Indra Free", 0, MonthStart, []),
        new("user_joko", "Joko Santoso", 149_000, new DateTimeOffset(2026, 12, 5, 0, 0, 0, TimeSpan.Zero), []),
        new("user_kadek", "Kadek Ayu", 99_000, new DateTimeOffset(2026, 11, 30, 10, 0, 0, TimeSpan.Zero), []),
    ];

    /// <summary>Eka's whole dunning walk: five retries, then canceled; then she pays a dead link (an oddity).</summary>
    public const string FullDunningCustomer = "user_eka";
    public const string CanceledInOctober = "user_lina";

    public static async Task PlayAsync(BillingHarness h)
    {
        foreach (var c in Customers)
        {
            await h.Db.ExecAsync("INSERT INTO users (id, email, full_name, phone) VALUES ($1, $2, $3, '08123456789')",
                c.Id, $"{c.Id[5..]}@example.com", c.Name);
            var plan = await Seed.PlanAsync(h.Db, c.Price, name: c.Price == 0 ? "Free" : "Pro");
            await Seed.SubscriptionAsync(h.Db, c.Id, plan, c.PeriodEnd.AddMonths(-1), c.PeriodEnd.AddMonths(-1), c.PeriodEnd, c.CancelAtPeriodEnd);
        }
        await h.Db.ExecAsync("INSERT INTO users (id, email, full_name) VALUES ($1, 'lina@example.com', 'Lina Marlina')", CanceledInOctober);
        var lina = await Seed.SubscriptionAsync(h.Db, CanceledInOctober, await Seed.PlanAsync(h.Db), new DateTimeOffset(2026, 9, 1, 0, 0, 0, TimeSpan.Zero),
            new DateTimeOffset(2026, 10, 1, 0, 0, 0, TimeSpan.Zero), MonthStart);
        await h.Db.ExecAsync("SELECT cancel_subscription($1, 'Canceled by customer', timestamptz '2026-10-15 09:00Z')", lina);

        var acted = new HashSet<string>(StringComparer.Ordinal);
        for (var day = 1; day <= LastDay; day++)
        {
            var at = new DateTimeOffset(2026, 11, day, 2, 0, 0, TimeSpan.Zero);
            if (at > h.Api.Clock.GetUtcNow())
            {
                h.Api.Clock.Advance(at - h.Api.Clock.GetUtcNow());
            }
            await h.RenewAsync();
            await h.RetryAsync();
            foreach (var c in Customers)
            {
                foreach (var open in await h.Db.ListAsync<string>("""
                    SELECT p.reference_id || '|' || p.attempt_number FROM payments p JOIN invoices i ON i.id = p.invoice_id
                     WHERE i.user_id = $1 AND p.status = 'pending' AND p.session_id IS NOT NULL
                    """, c.Id))
                {
                    var (reference, attempt) = (open.Split('|')[0], int.Parse(open.Split('|')[1], System.Globalization.CultureInfo.InvariantCulture));
                    var fate = attempt <= c.Fate.Length ? c.Fate[attempt - 1] : "leave";
                    if (fate != "leave" && acted.Add(reference))
                    {
                        Assert.Equal(HttpStatusCode.OK, (await h.DeliverAsync(h.StandIn.Act(reference, fate))).StatusCode);
                    }
                }
            }
        }
        // Eka, canceled by dunning on the 29th, pays her first link anyway: kept, flagged, nothing granted.
        var first = await h.Db.ScalarAsync<string>("""
            SELECT p.reference_id FROM payments p JOIN invoices i ON i.id = p.invoice_id WHERE i.user_id = $1 AND p.attempt_number = 1
            """, FullDunningCustomer);
        Assert.Equal(HttpStatusCode.OK, (await h.DeliverAsync(h.StandIn.Act(first, "pay"))).StatusCode);
    }
}
