using System.Globalization;
using BillingCycle.Api.Billing;

namespace BillingCycle.Bench;

/// <param name="Size">The day's subscriptions: the renewed ones and the yearly ones whose allowance month begins.</param>
/// <param name="GatewayLatencyMs">The stand-in's latency during the day (the plain day it is judged against has the same).</param>
/// <param name="RenewalInvoices">Renewal invoices of the day (monthly and trials; the yearly ones are not due).</param>
public sealed record MixedDayResult(int Size, int GatewayLatencyMs, double Seconds, double MsPerSubscription, double RenewalSeconds,
    double HousekeepingSeconds, double PeakRssMb, long RenewalInvoices, long Discounted, long TrialsBilled,
    long AllowancesGranted, long PendingPayment)
{
    /// <summary>The renewal call's ms per invoice it made.</summary>
    public double RenewalMsPerInvoice => RenewalSeconds * 1000 / Math.Max(1, RenewalInvoices);

    /// <summary>
    /// Informational, not judged: the renewal call's ms per invoice over the plain day's (set by
    /// <see cref="MixedDay.Judge"/>). The judged figure counts the 10% yearly subscriptions, whose
    /// allowance grants are cheap, in its divisor; this one compares invoice with invoice.
    /// </summary>
    public double? RenewalPerInvoiceRatio { get; init; }

    [System.Text.Json.Serialization.JsonIgnore]
    public CpuSplit? Cpu { get; init; }
}

/// <summary>
/// The mixed renewal day: the plain day's seed (Stack.SeedDueAsync) with the pricing features on
/// it, each written by the SQL functions the app calls. Of the day's N subscriptions, 30% carry a
/// coupon (redeemed on the live subscription in the month before), 10% are yearly plans checked out
/// and paid a month before the day (so the day begins their month 2: housekeeping's allowance grant
/// has work), 5% are trials checked out their trial's length before the day (trial_end is the day:
/// the renewal bills their first period); the rest are the plain day's monthly renewals. Timed: the
/// renewal call and then the housekeeping call, as the plain day it is judged against
/// (docs/performance.md, "The mixed renewal day").
/// </summary>
public static class MixedDay
{
    /// <summary>The issue's budget: the mixed day's time per subscription at most this times the plain day's.</summary>
    public const double Budget = 1.1;

    public static async Task<MixedDayResult> RunAsync(Stack stack, int size, CpuMeter? meter = null)
    {
        var (yearly, trials, discounted) = (size / 10, size / 20, size * 3 / 10);
        var monthly = size - yearly - trials;
        await stack.ResetAsync();
        await stack.SeedDueAsync(monthly, () => ShapeAsync(stack, monthly, yearly, trials, discounted));
        const int LatencyMs = 0;
        await Workloads.SetGatewayLatencyAsync(LatencyMs);
        // After the seed, whose checkouts and settlements would otherwise lead the costliest SQL.
        await Statements.ResetAsync(stack);
        var day = await Workloads.TimedDayAsync(stack, meter, Workloads.RenewPath, Workloads.HousekeepingPath);
        return new MixedDayResult(size, LatencyMs, day.Seconds, day.Seconds * 1000 / size, day.LapSeconds[0], day.LapSeconds[1], day.PeakRssMb,
            await stack.CountAsync(Workloads.CountDayInvoices, Stack.DueAt),
            await stack.CountAsync(Workloads.CountDayInvoices + " AND i.line_items ? 'discount'", Stack.DueAt),
            await stack.CountAsync(Workloads.CountDayInvoices + " AND EXISTS (SELECT 1 FROM subscriptions s WHERE s.id = i.subscription_id AND s.trial_end = i.period_start)", Stack.DueAt),
            await stack.CountAsync("SELECT count(*) FROM credit_transactions WHERE kind = 'reset' AND reference_id LIKE '%:m2'"),
            await Workloads.PendingLinksAsync(stack)) { Cpu = day.Cpu };
    }

    /// <summary>
    /// The target: the mixed day's time per subscription over the plain day's at the same size, both
    /// renewal then housekeeping, with the CPU of each beside it and the renewal call per invoice as
    /// a second, informational ratio (stored on report.MixedDay).
    /// </summary>
    public static void Judge(Report report, int plainSize)
    {
        var name = $"time per subscription, the mixed day / the plain day at {plainSize:N0} (renewal and housekeeping each)";
        var plain = report.Renewals.FirstOrDefault(r => r.GatewayLatencyMs == 0 && r.Size == plainSize && r.DayCpu is not null);
        if (report.MixedDay is not { } m)
        {
            report.NotMeasured(name, "<=", Budget, "the mixed day was left out of this run (BENCH_SKIP_MIXED=1)");
            return;
        }
        if (plain is null || m.Cpu is null || plain.DayCpu is null)
        {
            report.NotMeasured(name, "<=", Budget, $"no plain day at {plainSize:N0} with housekeeping and CPU was measured in this run");
            return;
        }
        var plainMsPerSub = plain.DaySeconds * 1000 / plain.Size;
        report.MixedDay = m = m with { RenewalPerInvoiceRatio = Math.Round(m.RenewalMsPerInvoice / plain.RenewalMsPerInvoice, 3) };
        var (mixedCpu, plainCpu) = (m.Cpu.PerRequest(m.Size), plain.DayCpu.PerRequest(plain.Size));
        report.Judge(name, m.MsPerSubscription / plainMsPerSub, "<=", Budget, "", string.Create(CultureInfo.InvariantCulture,
            $"{m.MsPerSubscription:F2} ms a subscription against the plain day's {plainMsPerSub:F2}; CPU: {mixedCpu["total"]:F2} core-ms a subscription (PostgreSQL {mixedCpu["postgres"]:F2}) against {plainCpu["total"]:F2} (PostgreSQL {plainCpu["postgres"]:F2}): {mixedCpu["total"] / plainCpu["total"]:F3} x; " +
            $"renew {m.RenewalSeconds:F1} s for {m.RenewalInvoices} invoices ({m.RenewalMsPerInvoice:F2} ms each; {m.Discounted} discounted, {m.TrialsBilled} trials) against the plain day's {plain.Seconds:F1} s for {plain.RenewalInvoices} ({plain.RenewalMsPerInvoice:F2} ms each): {m.RenewalPerInvoiceRatio:F3} x per invoice (informational); " +
            $"housekeeping {m.HousekeepingSeconds:F1} s for {m.AllowancesGranted} allowance months against the plain day's {plain.HousekeepingSeconds:F1} s"));
    }

    /// <summary>
    /// After the plain seed of users bench_1 … bench_monthly: the yearly subscribers and the trials
    /// as users after them, then the coupons redeemed by the first monthly subscribers.
    /// </summary>
    private static async Task ShapeAsync(Stack stack, int monthly, int yearly, int trials, int discounted)
    {
        await stack.ExecAsync("""
            INSERT INTO subscription_plans (id, name, price, interaction_credits, scraper_credits, billing_interval, trial_days)
            VALUES ($1::uuid, 'Pro Tahunan', 1490000, 1000, 500, 'year', 0),
                   ($2::uuid, 'Pro Coba Dulu', 149000, 1000, 500, 'month', 14)
            """, Stack.YearlyPlan, Stack.TrialPlan);
        await stack.ExecAsync("""
            INSERT INTO coupons (code, name, percent_off, amount_off, duration, duration_in_periods, created_at)
            VALUES ('HEMAT20', 'Hemat 20% tiga bulan', 20, NULL, 'repeating', 3, $1::timestamptz - interval '2 months'),
                   ('POTONG25RB', 'Potongan Rp25.000', NULL, 25000, 'forever', NULL, $1::timestamptz - interval '2 months')
            """, Stack.DueAt);
        await stack.SeedUsersAsync(monthly + 1, monthly + yearly + trials);
        // The API's own tax settings and minimum charge as the bench runs it (their defaults: the
        // bench sets neither BILLING_TAX_PERCENT nor BILLING_MIN_CHARGE), so the seed is what it would write.
        var options = new BillingOptions();
        var (tax, minCharge) = (options.Tax.ToJson(), options.MinCharge);
        // Checked out a month before the day: the day begins their month 2.
        await stack.ExecAsync("""
            SELECT c.outcome FROM generate_series($1, $2) g
             CROSS JOIN LATERAL billing_checkout('bench_' || g, $3::uuid, $4::timestamptz - interval '1 month', $5::jsonb, NULL, $6, NULL) c
            """, monthly + 1, monthly + yearly, Stack.YearlyPlan, Stack.DueAt, tax, minCharge);
        // Paid on the day, as a callback confirmed by check-transaction settles it: active, month 1's credits granted.
        await stack.ExecAsync("""
            SELECT m.outcome FROM payments p JOIN invoices i ON i.id = p.invoice_id
             CROSS JOIN LATERAL billing_mark_paid(p.id, 'bench-y-' || p.id, p.amount, 4000, $1::timestamptz - interval '1 month' + interval '5 minutes',
                                                  '{}', $1::timestamptz - interval '1 month' + interval '5 minutes') m
             WHERE i.kind = 'subscription_create' AND p.status = 'pending'
            """, Stack.DueAt);
        // Checked out the trial's length before the day: trial_end is the day.
        await stack.ExecAsync("""
            SELECT c.outcome FROM generate_series($1, $2) g
             CROSS JOIN subscription_plans p
             CROSS JOIN LATERAL billing_checkout('bench_' || g, p.id, $4::timestamptz - make_interval(days => p.trial_days), $5::jsonb, NULL, $6, NULL) c
             WHERE p.id = $3::uuid
            """, monthly + yearly + 1, monthly + yearly + trials, Stack.TrialPlan, Stack.DueAt, tax, minCharge);
        await stack.ExecAsync("""
            SELECT r.outcome FROM generate_series(1, $1) g
             CROSS JOIN LATERAL billing_redeem_on_subscription('bench_' || g, CASE WHEN g % 2 = 0 THEN 'HEMAT20' ELSE 'POTONG25RB' END,
                                                               $2::timestamptz - interval '17 days') r
            """, discounted, Stack.DueAt);
        // A seed that is not the day it claims would be measured as one: refused here instead.
        var seeded = new[]
        {
            await stack.CountAsync("SELECT count(*) FROM subscriptions WHERE status = 'active' AND plan_id = $1::uuid", Stack.YearlyPlan),
            await stack.CountAsync("SELECT count(*) FROM subscriptions WHERE status = 'trialing' AND trial_end = $1", Stack.DueAt),
            await stack.CountAsync("SELECT count(*) FROM coupon_redemptions WHERE ended_at IS NULL"),
        };
        if (!seeded.SequenceEqual([yearly, trials, discounted]))
        {
            throw new InvalidOperationException(
                $"mixed day seeded {string.Join('/', seeded)} yearly/trials/coupons, not {yearly}/{trials}/{discounted}");
        }
    }
}
