using BillingCycle.Api.Billing;
using Npgsql;

namespace BillingCycle.Api.Portal;

public enum PreviewKind { Upgrade, FreeUpgrade, Downgrade, Unchanged, Checkout, NotAvailable }

/// <summary>What choosing a plan will do, shown before it is confirmed (contract §14).</summary>
public sealed record PlanPreviewResult(PreviewKind Kind, Guid PlanId, string PlanName, long Amount, DateTimeOffset? On);

/// <summary>
/// The preview of a plan choice and of the next invoice. Amounts come from the same SQL the change
/// itself runs (billing_proration, then billing_compose_invoice with the configured tax: contract
/// §7.5, §12.1), so the page never computes money of its own; the action then goes through
/// LifecycleStore exactly as the API's, which decides for real under the subscription's lock.
/// A coupon (contract §11.3) would pass its discount as billing_compose_invoice's second argument.
/// </summary>
public sealed class PlanPreview(NpgsqlDataSource db, BillingOptions options)
{
    public async Task<PlanPreviewResult> ForAsync(Guid? subscriptionId, Guid planId, DateTimeOffset now, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            SELECT np.id, np.name, np.price, cur.id, cur.price, s.current_period_end,
                   billing_proration(cur.price, np.price, s.current_period_start, s.current_period_end, $3),
                   (SELECT c.amount FROM billing_compose_invoice(
                        coalesce(billing_proration(cur.price, np.price, s.current_period_start, s.current_period_end, $3), np.price),
                        0, $4::jsonb) c)
              FROM subscription_plans np
              LEFT JOIN subscriptions s ON s.id = $2
              LEFT JOIN subscription_plans cur ON cur.id = s.plan_id
             WHERE np.id = $1 AND np.is_active
            """);
        cmd.Parameters.Add(new() { Value = planId });
        cmd.Parameters.Add(new() { Value = (object?)subscriptionId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        cmd.Parameters.Add(new() { Value = now });
        cmd.Parameters.Add(new() { Value = options.Tax.ToJson() });
        await using var r = await cmd.ExecuteReaderAsync(ct);
        if (!await r.ReadAsync(ct))
        {
            return new PlanPreviewResult(PreviewKind.NotAvailable, planId, "", 0, null);
        }
        var (name, price, composed) = (r.GetString(1), r.GetInt64(2), r.GetInt64(7));
        if (r.IsDBNull(3))
        {
            return new PlanPreviewResult(PreviewKind.Checkout, planId, name, composed, now);
        }
        var end = r.GetFieldValue<DateTimeOffset>(5);
        var prorated = r.GetInt64(6);
        var kind = r.GetGuid(3) == planId ? PreviewKind.Unchanged
            : price <= r.GetInt64(4) ? PreviewKind.Downgrade
            : prorated < options.MinCharge ? PreviewKind.FreeUpgrade
            : PreviewKind.Upgrade;
        return new PlanPreviewResult(kind, planId, name, kind == PreviewKind.Upgrade ? composed : 0, end);
    }

    /// <summary>The renewal to come: the scheduled plan's price (else the plan's), composed with tax, at the period's end.</summary>
    public async Task<(long Amount, DateTimeOffset On)?> NextInvoiceAsync(Guid subscriptionId, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            SELECT (SELECT c.amount FROM billing_compose_invoice(p.price, 0, $2::jsonb) c), s.current_period_end
              FROM subscriptions s JOIN subscription_plans p ON p.id = coalesce(s.scheduled_plan_id, s.plan_id)
             WHERE s.id = $1 AND s.status IN ('active', 'trialing', 'past_due') AND NOT s.cancel_at_period_end
            """);
        cmd.Parameters.Add(new() { Value = subscriptionId });
        cmd.Parameters.Add(new() { Value = options.Tax.ToJson() });
        await using var r = await cmd.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? (r.GetInt64(0), r.GetFieldValue<DateTimeOffset>(1)) : null;
    }
}
