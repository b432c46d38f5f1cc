namespace BillingCycle.Bench;

/// <param name="Size">The day's subscriptions: the renewed ones and the yearly ones whose allowance month begins.</param>
/// <param name="RenewalInvoices">Renewal invoices of the day (monthly and trials; the yearly ones are not due).</param>
public sealed record MixedDayResult(int Size, double Seconds, double MsPerSubscription, double RenewalSeconds,
    double HousekeepingSeconds, double PeakRssMb, long RenewalInvoices, long Discounted, long TrialsBilled,
    long AllowancesGranted, long PendingPayment);

/// <summary>
/// The mixed renewal day: the plain day's seed (Stack.SeedDueAsync) with the pricing features on
/// it, each written by the SQL functions the app calls. Of the day's N subscriptions, 30% carry a
/// coupon (redeemed on the live subscription in October), 10% are yearly plans checked out and paid
/// on 1 October (so 1 November begins their month 2: housekeeping's allowance grant has work), 5%
/// are trials checked out on 18 October (trial_end 1 November: the renewal bills their first
/// period); the rest are the plain day's monthly renewals. Timed: the renewal call and then the
/// housekeeping call, per subscription of the day (docs/performance.md, "The mixed day").
/// </summary>
public static class MixedDay
{
    private const string Yearly = "00000000-0000-0000-0000-00000000b002";
    private const string WithTrial = "00000000-0000-0000-0000-00000000b003";

    public static async Task<MixedDayResult> RunAsync(Stack stack, int size, CpuMeter? meter = null)
    {
        var (yearly, trials, discounted) = (size / 10, size / 20, size * 3 / 10);
        var monthly = size - yearly - trials;
        await stack.ResetAsync();
        await stack.SeedDueAsync(monthly, () => ShapeAsync(stack, monthly, yearly, trials, discounted));
        await Workloads.SetGatewayLatencyAsync(0);
        // After the seed, whose checkouts and settlements would otherwise lead the costliest SQL.
        await Statements.ResetAsync(stack);
        var day = await Workloads.TimedDayAsync(stack, meter, "/api/billing/renew", "/api/billing/housekeeping");
        const string DayInvoices = "FROM invoices i WHERE i.kind = 'renewal' AND i.period_start = timestamptz '2026-11-01 00:00Z'";
        return new MixedDayResult(size, day.Seconds, day.Seconds * 1000 / size, day.LapSeconds[0], day.LapSeconds[1], day.PeakRssMb,
            await stack.CountAsync($"SELECT count(*) {DayInvoices}"),
            await stack.CountAsync($"SELECT count(*) {DayInvoices} AND i.line_items ? 'discount'"),
            await stack.CountAsync($"SELECT count(*) {DayInvoices} AND EXISTS (SELECT 1 FROM subscriptions s WHERE s.id = i.subscription_id AND s.trial_end = i.period_start)"),
            await stack.CountAsync("SELECT count(*) FROM credit_transactions WHERE kind = 'reset' AND reference_id LIKE '%:m2'"),
            await stack.CountAsync("SELECT count(*) FROM payments WHERE session_id IS NOT NULL AND status = 'pending'"));
    }

    /// <summary>
    /// After the plain seed of users bench_1 … bench_monthly: the yearly subscribers and the trials
    /// as users after them, then the coupons redeemed by the first monthly subscribers.
    /// </summary>
    private static async Task ShapeAsync(Stack stack, int monthly, int yearly, int trials, int discounted)
    {
        await stack.ExecAsync($$"""
            INSERT INTO subscription_plans (id, name, price, interaction_credits, scraper_credits, billing_interval, trial_days)
            VALUES ('{{Yearly}}', 'Pro Tahunan', 1490000, 1000, 500, 'year', 0),
                   ('{{WithTrial}}', 'Pro Coba Dulu', 149000, 1000, 500, 'month', 14)
            """);
        await stack.ExecAsync("""
            INSERT INTO coupons (code, name, percent_off, amount_off, duration, duration_in_periods, created_at)
            VALUES ('HEMAT20', 'Hemat 20% tiga bulan', 20, NULL, 'repeating', 3, timestamptz '2026-09-01 00:00Z'),
                   ('POTONG25RB', 'Potongan Rp25.000', NULL, 25000, 'forever', NULL, timestamptz '2026-09-01 00:00Z')
            """);
        await stack.SeedUsersAsync(monthly + 1, monthly + yearly + trials);
        // The service's minimum charge (BILLING_MIN_CHARGE's default) and no tax, as the bench's API runs.
        await stack.ExecAsync($$"""
            SELECT c.outcome FROM generate_series($1, $2) g
             CROSS JOIN LATERAL billing_checkout('bench_' || g, '{{Yearly}}', timestamptz '2026-10-01 00:00Z', '{}', NULL, 5000, NULL) c
            """, monthly + 1, monthly + yearly);
        // Paid on the day, as a callback confirmed by check-transaction settles it: active, month 1's credits granted.
        await stack.ExecAsync("""
            SELECT m.outcome FROM payments p JOIN invoices i ON i.id = p.invoice_id
             CROSS JOIN LATERAL billing_mark_paid(p.id, 'bench-y-' || p.id, p.amount, 4000, timestamptz '2026-10-01 00:05Z',
                                                  '{}', timestamptz '2026-10-01 00:05Z') m
             WHERE i.kind = 'subscription_create' AND p.status = 'pending'
            """);
        await stack.ExecAsync($$"""
            SELECT c.outcome FROM generate_series($1, $2) g
             CROSS JOIN LATERAL billing_checkout('bench_' || g, '{{WithTrial}}', timestamptz '2026-10-18 00:00Z', '{}', NULL, 5000, NULL) c
            """, monthly + yearly + 1, monthly + yearly + trials);
        await stack.ExecAsync("""
            SELECT r.outcome FROM generate_series(1, $1) g
             CROSS JOIN LATERAL billing_redeem_on_subscription('bench_' || g, CASE WHEN g % 2 = 0 THEN 'HEMAT20' ELSE 'POTONG25RB' END,
                                                               timestamptz '2026-10-15 00:00Z') r
            """, discounted);
        // A seed that is not the day it claims would be measured as one: refused here instead.
        var seeded = new[]
        {
            await stack.CountAsync($"SELECT count(*) FROM subscriptions WHERE status = 'active' AND plan_id = '{Yearly}'"),
            await stack.CountAsync("SELECT count(*) FROM subscriptions WHERE status = 'trialing' AND trial_end = timestamptz '2026-11-01 00:00Z'"),
            await stack.CountAsync("SELECT count(*) FROM coupon_redemptions WHERE ended_at IS NULL"),
        };
        if (!seeded.SequenceEqual([yearly, trials, discounted]))
        {
            throw new InvalidOperationException(
                $"mixed day seeded {string.Join('/', seeded)} yearly/trials/coupons, not {yearly}/{trials}/{discounted}");
        }
    }
}
