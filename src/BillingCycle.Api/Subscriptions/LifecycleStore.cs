using BillingCycle.Api.Billing;
using BillingCycle.Api.Billing.Links;
using BillingCycle.Api.Infrastructure.Time;
using Npgsql;

namespace BillingCycle.Api.Subscriptions;

public enum CheckoutOutcome { Created, Waived, Trialing, SubscriptionExists, PlanNotFound, CouponRefused, TrialAlreadyUsed }

public enum CancelOutcome { Scheduled, Canceled, NotActive }

public enum ResumeOutcome { Resumed, NotScheduled, NotActive }

public enum PlanChangeOutcome { Invoiced, Upgraded, Scheduled, Unchanged, NotActive, PlanNotFound }

public enum PayNowOutcome { Live, NeedsLink, Created, TooMany, NotOpen }

public sealed record Checkout(CheckoutOutcome Outcome, Guid? SubscriptionId, Guid? InvoiceId, Guid? PaymentId)
{
    /// <summary>Why the coupon was refused, when <see cref="Outcome"/> is CouponRefused.</summary>
    public CouponOutcome Coupon { get; init; }
}

public sealed record PlanChange(PlanChangeOutcome Outcome, Guid? InvoiceId, Guid? PaymentId);

public sealed record PayNowDecision(PayNowOutcome Outcome, Guid? PaymentId, string? PaymentUrl, DateTimeOffset? ExpiresAt, int? AttemptNumber);

/// <summary>
/// The lifecycle's state changes (db/functions/subscription_*.sql, billing_pay_now.sql): each one
/// SQL function, one transaction; outcome words parsed here, once.
/// </summary>
public sealed class LifecycleStore(NpgsqlDataSource db, BillingClock clock, BillingOptions options)
{
    /// <param name="trial">The body's <c>trial</c> (contract §11.2): null takes the plan's trial when the user never had one.</param>
    public async Task<Checkout> CheckoutAsync(string userId, Guid planId, string? couponCode, CancellationToken ct, bool? trial = null)
    {
        await using var cmd = db.CreateCommand(
            "SELECT outcome, subscription_id, invoice_id, payment_id FROM billing_checkout($1, $2, $3, $4::jsonb, $5, $6, $7)");
        cmd.Parameters.Add(new() { Value = userId });
        cmd.Parameters.Add(new() { Value = planId });
        cmd.Parameters.Add(new() { Value = clock.UtcNow });
        cmd.Parameters.Add(new() { Value = options.Tax.ToJson() });
        cmd.Parameters.Add(new() { Value = couponCode is null ? DBNull.Value : couponCode, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = options.MinCharge });
        cmd.Parameters.Add(new() { Value = trial is { } t ? t : DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Boolean });
        await using var r = await cmd.ExecuteReaderAsync(ct);
        await r.ReadAsync(ct);
        var word = r.GetString(0);
        var outcome = word switch
        {
            "created" => CheckoutOutcome.Created,
            "waived" => CheckoutOutcome.Waived,
            "trialing" => CheckoutOutcome.Trialing,
            "trial_already_used" => CheckoutOutcome.TrialAlreadyUsed,
            "subscription_exists" => CheckoutOutcome.SubscriptionExists,
            "plan_not_found" => CheckoutOutcome.PlanNotFound,
            _ when CouponOutcomes.Parse(word) is { } _ => CheckoutOutcome.CouponRefused,
            var other => throw Unknown("billing_checkout", other),
        };
        return new Checkout(outcome, Uuid(r, 1), Uuid(r, 2), Uuid(r, 3)) { Coupon = CouponOutcomes.Parse(word) ?? CouponOutcome.Redeemed };
    }

    /// <summary>Redeems a coupon on the user's live subscription, from its next invoice on (contract §11.3).</summary>
    public async Task<(CouponOutcome Outcome, Guid? SubscriptionId)> RedeemCouponAsync(string userId, string code, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("SELECT outcome, subscription_id FROM billing_redeem_on_subscription($1, $2, $3)");
        cmd.Parameters.Add(new() { Value = userId });
        cmd.Parameters.Add(new() { Value = code });
        cmd.Parameters.Add(new() { Value = clock.UtcNow });
        await using var r = await cmd.ExecuteReaderAsync(ct);
        await r.ReadAsync(ct);
        var word = r.GetString(0);
        var outcome = word == "redeemed" ? CouponOutcome.Redeemed
            : word == "no_subscription" ? CouponOutcome.NoSubscription
            : CouponOutcomes.Parse(word) ?? throw Unknown("billing_redeem_on_subscription", word);
        return (outcome, Uuid(r, 1));
    }

    public async Task<CancelOutcome> CancelAsync(Guid subscriptionId, bool atPeriodEnd, CancellationToken ct) =>
        await ScalarAsync("SELECT billing_customer_cancel($1, $2, $3)", ct, subscriptionId, atPeriodEnd) switch
        {
            "scheduled" => CancelOutcome.Scheduled,
            "canceled" => CancelOutcome.Canceled,
            "not_active" => CancelOutcome.NotActive,
            var other => throw Unknown("billing_customer_cancel", other),
        };

    public async Task<ResumeOutcome> ResumeAsync(Guid subscriptionId, CancellationToken ct) =>
        await ScalarAsync("SELECT billing_customer_resume($1, $2)", ct, subscriptionId) switch
        {
            "resumed" => ResumeOutcome.Resumed,
            "not_scheduled" => ResumeOutcome.NotScheduled,
            "not_active" => ResumeOutcome.NotActive,
            var other => throw Unknown("billing_customer_resume", other),
        };

    public async Task<PlanChange> ChangePlanAsync(Guid subscriptionId, Guid planId, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand(
            "SELECT outcome, invoice_id, payment_id FROM billing_change_plan($1, $2, $3, $4, $5::jsonb)");
        cmd.Parameters.Add(new() { Value = subscriptionId });
        cmd.Parameters.Add(new() { Value = planId });
        cmd.Parameters.Add(new() { Value = options.MinCharge });
        cmd.Parameters.Add(new() { Value = clock.UtcNow });
        cmd.Parameters.Add(new() { Value = options.Tax.ToJson() });
        await using var r = await cmd.ExecuteReaderAsync(ct);
        await r.ReadAsync(ct);
        var outcome = r.GetString(0) switch
        {
            "invoiced" => PlanChangeOutcome.Invoiced,
            "upgraded" => PlanChangeOutcome.Upgraded,
            "scheduled" => PlanChangeOutcome.Scheduled,
            "unchanged" => PlanChangeOutcome.Unchanged,
            "not_active" => PlanChangeOutcome.NotActive,
            "plan_not_found" => PlanChangeOutcome.PlanNotFound,
            var other => throw Unknown("billing_change_plan", other),
        };
        return new PlanChange(outcome, Uuid(r, 1), Uuid(r, 2));
    }

    /// <summary>The pay-now rule (contract §7.6): a live link with at least 30 minutes left, or a new attempt.</summary>
    public async Task<PayNowDecision> PayNowAsync(Guid invoiceId, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand(
            "SELECT outcome, payment_id, payment_url, expires_at, attempt_number FROM billing_pay_now($1, $2, $3)");
        cmd.Parameters.Add(new() { Value = invoiceId });
        cmd.Parameters.Add(new() { Value = TimeSpan.FromMinutes(30) });
        cmd.Parameters.Add(new() { Value = clock.UtcNow });
        await using var r = await cmd.ExecuteReaderAsync(ct);
        await r.ReadAsync(ct);
        var outcome = r.GetString(0) switch
        {
            "live" => PayNowOutcome.Live,
            "needs_link" => PayNowOutcome.NeedsLink,
            "created" => PayNowOutcome.Created,
            "too_many" => PayNowOutcome.TooMany,
            "not_open" => PayNowOutcome.NotOpen,
            var other => throw Unknown("billing_pay_now", other),
        };
        return new PayNowDecision(outcome, Uuid(r, 1), r.IsDBNull(2) ? null : r.GetString(2),
            r.IsDBNull(3) ? null : r.GetFieldValue<DateTimeOffset>(3), r.IsDBNull(4) ? null : r.GetInt32(4));
    }

    /// <summary>What the gateway call for an attempt needs.</summary>
    public async Task<PaymentWork> WorkAsync(Guid paymentId, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand($"SELECT {PaymentLinkStore.WorkColumns} FROM billing_payment_work(ARRAY[$1]) w");
        cmd.Parameters.Add(new() { Value = paymentId });
        await using var r = await cmd.ExecuteReaderAsync(ct);
        await r.ReadAsync(ct);
        return PaymentLinkStore.ReadWork(r, 0);
    }

    /// <summary>
    /// Housekeeping (contract §7.2, §7.5, §11.4): checkouts, upgrades and credit packs whose every attempt
    /// has closed, the last more than the grace period past its expiry, are withdrawn. Returns how many of each.
    /// </summary>
    public async Task<(int Checkouts, int Upgrades, int Packs)> WithdrawUnpaidAsync(TimeSpan grace, CancellationToken ct)
    {
        var candidates = new List<Guid>();
        await using (var find = db.CreateCommand("""
            SELECT i.id FROM invoices i
             WHERE i.status = 'pending' AND i.kind IN ('subscription_create', 'plan_change', 'credit_pack') AND i.created_at < $1
               AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.invoice_id = i.id AND p.status = 'pending')
             ORDER BY i.created_at
             LIMIT 1000
            """))
        {
            find.Parameters.Add(new() { Value = clock.UtcNow - grace });
            await using var r = await find.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
            {
                candidates.Add(r.GetGuid(0));
            }
        }
        var (checkouts, upgrades, packs) = (0, 0, 0);
        foreach (var invoice in candidates)
        {
            await using var cmd = db.CreateCommand("SELECT billing_withdraw_unpaid($1, $2, $3)");
            cmd.Parameters.Add(new() { Value = invoice });
            cmd.Parameters.Add(new() { Value = grace });
            cmd.Parameters.Add(new() { Value = clock.UtcNow });
            switch ((string)(await cmd.ExecuteScalarAsync(ct))!)
            {
                case "checkout_canceled": checkouts++; break;
                case "upgrade_cancelled": upgrades++; break;
                case "pack_cancelled": packs++; break;
            }
        }
        return (checkouts, upgrades, packs);
    }

    /// <summary>The live subscription of a user (not canceled), if any.</summary>
    public async Task<Guid?> LiveSubscriptionAsync(string userId, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("SELECT id FROM subscriptions WHERE user_id = $1 AND status <> 'canceled'");
        cmd.Parameters.Add(new() { Value = userId });
        return await cmd.ExecuteScalarAsync(ct) is Guid id ? id : null;
    }

    private async Task<string> ScalarAsync(string sql, CancellationToken ct, params object[] args)
    {
        await using var cmd = db.CreateCommand(sql);
        foreach (var a in args)
        {
            cmd.Parameters.Add(new() { Value = a });
        }
        cmd.Parameters.Add(new() { Value = clock.UtcNow });
        return (string)(await cmd.ExecuteScalarAsync(ct))!;
    }

    private static Guid? Uuid(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetGuid(i);

    private static InvalidOperationException Unknown(string function, string word) =>
        new($"{function} answered an unknown outcome '{word}'");
}
