using BillingCycle.Api.Billing;
using BillingCycle.Api.Subscriptions;
using Npgsql;

namespace BillingCycle.Api.Portal;

/// <summary>What a plan choice will do: Trial and TrialSwitch are contract §11.2's (no charge now); NotActive: a plan change is refused now (unpaid).</summary>
public enum PreviewKind { Upgrade, FreeUpgrade, Downgrade, Unchanged, Checkout, Trial, TrialSwitch, NotActive, NotAvailable }

/// <summary>
/// What choosing a plan will do, shown before it is confirmed (contract §14). <see cref="Amount"/> is
/// charged now (for a trial: nothing; <see cref="AfterTrial"/> is its first invoice at <see cref="On"/>).
/// </summary>
public sealed record PlanPreviewResult(PreviewKind Kind, Guid PlanId, string PlanName, long Amount, DateTimeOffset? On)
{
    /// <summary>The coupon typed on the form (contract §11.3), null when none.</summary>
    public string? CouponCode { get; init; }

    /// <summary>Why the typed coupon would be refused, null when it applies (or none was typed).</summary>
    public CouponOutcome? CouponRefusal { get; init; }

    /// <summary>The discount the invoice takes (a typed coupon, or a running percentage on an upgrade).</summary>
    public long Discount { get; init; }

    /// <summary>The total is 0 or under the minimum charge: the invoice is settled at once (charge_waived, contract §11.3).</summary>
    public bool Waived { get; init; }

    public int TrialDays { get; init; }

    /// <summary>The plan has a trial, but this customer already had one (one per user): a paid checkout.</summary>
    public bool TrialUsed { get; init; }

    /// <summary>A trial's first invoice, at its end, with the coupon's discount and tax.</summary>
    public long AfterTrial { get; init; }
}

/// <summary>
/// The preview of a plan choice and of the next invoice. Amounts come from the SQL the action itself
/// runs (billing_proration, billing_coupon_check and billing_coupon_line or billing_coupon_discount,
/// billing_compose_invoice with the configured tax, billing_charge_waived: contract §7.5, §11.2,
/// §11.3, §12.1), so the page never computes money of its own; the action then goes through
/// LifecycleStore exactly as the API's, which decides for real under the subscription's lock.
/// PortalPricingTests holds the preview to the invoice each confirmation makes.
/// </summary>
public sealed class PlanPreview(NpgsqlDataSource db, BillingOptions options)
{
    public async Task<PlanPreviewResult> ForAsync(string userId, Guid? subscriptionId, Guid planId, string? couponCode, DateTimeOffset now,
        CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            SELECT np.name, np.price, np.trial_days, EXISTS (SELECT 1 FROM trial_users t WHERE t.user_id = $4),
                   cur.id, cur.price, cur.billing_interval <> np.billing_interval, s.status, s.current_period_end, s.trial_end,
                   billing_proration(cur.price, np.price, s.current_period_start, s.current_period_end, $3), s.current_period_start
              FROM subscription_plans np
              LEFT JOIN subscriptions s ON s.id = $2
              LEFT JOIN subscription_plans cur ON cur.id = s.plan_id
             WHERE np.id = $1 AND np.is_active
            """);
        cmd.Parameters.Add(new() { Value = planId });
        cmd.Parameters.Add(new() { Value = (object?)subscriptionId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        cmd.Parameters.Add(new() { Value = now });
        cmd.Parameters.Add(new() { Value = userId });
        string name;
        long price;
        int trialDays;
        bool trialUsed;
        await using (var r = await cmd.ExecuteReaderAsync(ct))
        {
            if (!await r.ReadAsync(ct))
            {
                return new PlanPreviewResult(PreviewKind.NotAvailable, planId, "", 0, null);
            }
            (name, price, trialDays, trialUsed) = (r.GetString(0), r.GetInt64(1), r.GetInt32(2), r.GetBoolean(3));
            if (!r.IsDBNull(4))
            {
                // A live subscription: a plan change (billing_change_plan's branches, in its order).
                var end = r.GetFieldValue<DateTimeOffset>(8);
                if (r.GetString(7) == "trialing")
                {
                    return new PlanPreviewResult(PreviewKind.TrialSwitch, planId, name, 0, r.GetFieldValue<DateTimeOffset>(9));
                }
                if (r.GetString(7) != "active")
                {
                    return new PlanPreviewResult(PreviewKind.NotActive, planId, name, 0, end);
                }
                if (r.GetGuid(4) == planId)
                {
                    return new PlanPreviewResult(PreviewKind.Unchanged, planId, name, 0, end);
                }
                if (price <= r.GetInt64(5) || r.GetBoolean(6))
                {
                    return new PlanPreviewResult(PreviewKind.Downgrade, planId, name, 0, end);
                }
                var prorated = r.GetInt64(10);
                var periodStart = r.GetFieldValue<DateTimeOffset>(11);
                var sub = subscriptionId!.Value;
                await r.DisposeAsync();
                if (prorated < options.MinCharge)
                {
                    return new PlanPreviewResult(PreviewKind.FreeUpgrade, planId, name, 0, end);
                }
                var upgrade = await UpgradeAsync(sub, planId, prorated, periodStart, ct);
                return new PlanPreviewResult(upgrade.Waived ? PreviewKind.FreeUpgrade : PreviewKind.Upgrade, planId, name,
                    upgrade.Waived ? 0 : upgrade.Amount, end) { Discount = upgrade.Discount, Waived = upgrade.Waived };
            }
        }

        // A first checkout: the typed coupon as the redemption would judge it, its line on the plan's price.
        var code = string.IsNullOrWhiteSpace(couponCode) ? null : couponCode.Trim();
        var first = await CheckoutAsync(code, userId, planId, price, now, ct);
        var refusal = code is null ? null : CouponOutcomes.Parse(first.CouponOutcome ?? "");
        var trial = trialDays > 0 && !trialUsed;
        return new PlanPreviewResult(trial ? PreviewKind.Trial : PreviewKind.Checkout, planId, name, trial || first.Waived ? 0 : first.Amount,
            trial ? now.AddDays(trialDays) : now)
        {
            CouponCode = code, CouponRefusal = refusal, Discount = first.Discount, Waived = !trial && first.Waived,
            TrialDays = trialDays, TrialUsed = trialDays > 0 && trialUsed, AfterTrial = trial ? first.Amount : 0,
        };
    }

    /// <summary>Whether the user had a trial (trial_users, whose key is the one-trial rule): the plans page says so beside a trial.</summary>
    public async Task<bool> HadTrialAsync(string userId, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("SELECT EXISTS (SELECT 1 FROM trial_users WHERE user_id = $1)");
        cmd.Parameters.Add(new() { Value = userId });
        return (bool)(await cmd.ExecuteScalarAsync(ct))!;
    }

    private sealed record Composed(long Amount, long Discount, bool Waived, string? CouponOutcome);

    /// <summary>An upgrade's invoice: the prorated price, a running percentage coupon's discount (as billing_change_plan takes it), tax.</summary>
    private async Task<Composed> UpgradeAsync(Guid subscriptionId, Guid planId, long prorated, DateTimeOffset periodStart, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand($"""
            SELECT {Compose}
              FROM (SELECT NULL::text AS outcome) chk
             CROSS JOIN LATERAL (SELECT billing_coupon_discount($4, $5, $1, $6, false) AS line) d
             CROSS JOIN LATERAL billing_compose_invoice($1, coalesce((d.line->>'amount')::bigint, 0), $2::jsonb) c
            """);
        Add(cmd, prorated, subscriptionId, planId, periodStart);
        return await ReadAsync(cmd, ct);
    }

    /// <summary>A first checkout's invoice: the typed coupon as the redemption would judge it (billing_coupon_check), its line on the price, tax.</summary>
    private async Task<Composed> CheckoutAsync(string? code, string userId, Guid planId, long price, DateTimeOffset now, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand($"""
            SELECT {Compose}
              FROM billing_coupon_check($4::text, $5, $6, $7) chk
             CROSS JOIN LATERAL (SELECT CASE WHEN chk.outcome = 'ok' THEN
                                        (SELECT billing_coupon_line(k.code, k.name, k.percent_off, k.amount_off, $1)
                                           FROM coupons k WHERE k.id = chk.coupon_id) END AS line) d
             CROSS JOIN LATERAL billing_compose_invoice($1, coalesce((d.line->>'amount')::bigint, 0), $2::jsonb) c
            """);
        Add(cmd, price, code is null ? DBNull.Value : code, userId, planId, now);
        return await ReadAsync(cmd, ct);
    }

    private const string Compose =
        "c.amount, coalesce((d.line->>'amount')::bigint, 0), billing_charge_waived(c.amount, $3), chk.outcome";

    /// <summary>$1 the price, $2 the tax, $3 the minimum charge, then <paramref name="args"/> from $4.</summary>
    private void Add(NpgsqlCommand cmd, long price, params object[] args)
    {
        cmd.Parameters.Add(new() { Value = price });
        cmd.Parameters.Add(new() { Value = options.Tax.ToJson() });
        cmd.Parameters.Add(new() { Value = options.MinCharge });
        foreach (var a in args)
        {
            cmd.Parameters.Add(a is DBNull ? new() { Value = a, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text } : new() { Value = a });
        }
    }

    private static async Task<Composed> ReadAsync(NpgsqlCommand cmd, CancellationToken ct)
    {
        await using var r = await cmd.ExecuteReaderAsync(ct);
        await r.ReadAsync(ct);
        return new Composed(r.GetInt64(0), r.GetInt64(1), r.GetBoolean(2), r.IsDBNull(3) ? null : r.GetString(3));
    }

    /// <summary>
    /// The renewal to come: the scheduled plan's price (else the plan's) with the running coupon's
    /// discount (billing_coupon_discount, as renewal takes it) and tax, at the period's end; with the
    /// coupon's code when it takes one.
    /// </summary>
    public async Task<(long Amount, DateTimeOffset On, string? Coupon)?> NextInvoiceAsync(Guid subscriptionId, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            SELECT c.amount, s.current_period_end, d.line->>'coupon_code'
              FROM subscriptions s JOIN subscription_plans p ON p.id = coalesce(s.scheduled_plan_id, s.plan_id)
             CROSS JOIN LATERAL (SELECT billing_coupon_discount(s.id, p.id, p.price, s.current_period_end, true) AS line) d
             CROSS JOIN LATERAL billing_compose_invoice(p.price, coalesce((d.line->>'amount')::bigint, 0), $2::jsonb) c
             WHERE s.id = $1 AND s.status IN ('active', 'trialing', 'past_due') AND NOT s.cancel_at_period_end
            """);
        cmd.Parameters.Add(new() { Value = subscriptionId });
        cmd.Parameters.Add(new() { Value = options.Tax.ToJson() });
        await using var r = await cmd.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? (r.GetInt64(0), r.GetFieldValue<DateTimeOffset>(1), r.IsDBNull(2) ? null : r.GetString(2)) : null;
    }
}
