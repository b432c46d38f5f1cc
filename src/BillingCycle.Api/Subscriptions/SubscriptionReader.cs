using System.Text.Json;
using BillingCycle.Api.Billing;
using Npgsql;

namespace BillingCycle.Api.Subscriptions;

/// <summary>What the web app reads (SPEC §7.1, §7.3): plans, the current subscription, invoices.</summary>
public sealed class SubscriptionReader(NpgsqlDataSource db, BillingOptions options)
{
    private const string SubscriptionColumns = """
        s.id, s.status, p.id, p.name, p.price, s.current_period_start, s.current_period_end, s.cancel_at_period_end,
        s.canceled_at, s.cancel_reason, sp.id, sp.name, sp.price
        """;

    private const string InvoiceColumns = """
        i.id, i.invoice_number, i.kind, i.status, i.amount, i.currency, i.period_start, i.period_end, i.line_items::text,
        i.created_at, i.paid_at, i.public_token
        """;

    public async Task<List<PlanItem>> PlansAsync(CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            SELECT id, name, price, interaction_credits, scraper_credits
              FROM subscription_plans WHERE is_active ORDER BY price, name
            """);
        var list = new List<PlanItem>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            list.Add(new PlanItem(r.GetGuid(0), r.GetString(1), r.GetInt64(2), r.GetInt64(3), r.GetInt64(4)));
        }
        return list;
    }

    /// <summary>The live subscription, else the most recent one; null when the user never had one.</summary>
    public async Task<SubscriptionView?> CurrentAsync(string userId, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand($"""
            SELECT {SubscriptionColumns}
              FROM subscriptions s JOIN subscription_plans p ON p.id = s.plan_id
              LEFT JOIN subscription_plans sp ON sp.id = s.scheduled_plan_id
             WHERE s.user_id = $1
             ORDER BY (s.status <> 'canceled') DESC, s.created_at DESC, s.id
             LIMIT 1
            """);
        cmd.Parameters.Add(new() { Value = userId });
        await using var r = await cmd.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? ReadSubscription(r) : null;
    }

    public async Task<SubscriptionView?> SubscriptionAsync(Guid id, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand($"""
            SELECT {SubscriptionColumns}
              FROM subscriptions s JOIN subscription_plans p ON p.id = s.plan_id
              LEFT JOIN subscription_plans sp ON sp.id = s.scheduled_plan_id
             WHERE s.id = $1
            """);
        cmd.Parameters.Add(new() { Value = id });
        await using var r = await cmd.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? ReadSubscription(r) : null;
    }

    /// <summary>The subscription's open invoice: pending, or failed while it is past due; the newest.</summary>
    public async Task<InvoiceView?> OpenInvoiceAsync(Guid subscriptionId, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand($"""
            SELECT {InvoiceColumns}
              FROM invoices i JOIN subscriptions s ON s.id = i.subscription_id
             WHERE i.subscription_id = $1
               AND (i.status = 'pending' OR (i.status = 'failed' AND s.status = 'past_due'))
             ORDER BY i.created_at DESC, i.id DESC
             LIMIT 1
            """);
        cmd.Parameters.Add(new() { Value = subscriptionId });
        await using var r = await cmd.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? ReadInvoice(r) : null;
    }

    /// <summary>One of the user's invoices (null for anyone else's: SPEC §7.3 answers 404, never 403).</summary>
    public async Task<InvoiceView?> InvoiceAsync(Guid id, string userId, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand($"SELECT {InvoiceColumns} FROM invoices i WHERE i.id = $1 AND i.user_id = $2");
        cmd.Parameters.Add(new() { Value = id });
        cmd.Parameters.Add(new() { Value = userId });
        await using var r = await cmd.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? ReadInvoice(r) : null;
    }

    /// <summary>Newest first; the cursor is the (created_at, id) of the previous page's last row.</summary>
    public async Task<List<InvoiceView>> InvoicesAsync(string userId, int limit, (DateTimeOffset At, Guid Id)? before, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand($"""
            SELECT {InvoiceColumns}
              FROM invoices i
             WHERE i.user_id = $1 AND ($2::timestamptz IS NULL OR (i.created_at, i.id) < ($2, $3))
             ORDER BY i.created_at DESC, i.id DESC
             LIMIT $4
            """);
        cmd.Parameters.Add(new() { Value = userId });
        cmd.Parameters.Add(new() { Value = before is { } b ? b.At : DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        cmd.Parameters.Add(new() { Value = before is { } c ? c.Id : Guid.Empty });
        cmd.Parameters.Add(new() { Value = limit });
        var list = new List<InvoiceView>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            list.Add(ReadInvoice(r));
        }
        return list;
    }

    /// <summary>The public pay page's link for an invoice token (SPEC §7.6).</summary>
    public string? PayPageUrl(string token) =>
        options.PublicBaseUrl is { } b ? new Uri(b, "/pay/" + token).ToString() : null;

    private static SubscriptionView ReadSubscription(NpgsqlDataReader r) => new(
        r.GetGuid(0), r.GetString(1), new PlanRef(r.GetGuid(2), r.GetString(3), r.GetInt64(4)),
        r.IsDBNull(5) ? null : r.GetFieldValue<DateTimeOffset>(5), r.IsDBNull(6) ? null : r.GetFieldValue<DateTimeOffset>(6),
        r.GetBoolean(7), r.IsDBNull(8) ? null : r.GetFieldValue<DateTimeOffset>(8), r.IsDBNull(9) ? null : r.GetString(9),
        r.IsDBNull(10) ? null : new PlanRef(r.GetGuid(10), r.GetString(11), r.GetInt64(12)));

    private InvoiceView ReadInvoice(NpgsqlDataReader r)
    {
        using var items = JsonDocument.Parse(r.GetString(8));
        var token = r.GetString(11);
        var page = PayPageUrl(token);
        return new InvoiceView(r.GetGuid(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetInt64(4), r.GetString(5),
            r.GetFieldValue<DateTimeOffset>(6), r.GetFieldValue<DateTimeOffset>(7), items.RootElement.Clone(),
            r.GetFieldValue<DateTimeOffset>(9), r.IsDBNull(10) ? null : r.GetFieldValue<DateTimeOffset>(10),
            page, page is null ? null : page + "/invoice.pdf");
    }
}
