using BillingCycle.Api.Infrastructure.Database;
using Npgsql;

namespace BillingCycle.Api.Subscriptions;

/// <summary>What the web app reads (contract §7.1, §7.3): plans, the current subscription, invoices.</summary>
public sealed class SubscriptionReader(NpgsqlDataSource db)
{
    // The API's shapes are built by SQL (db/functions/api_objects.sql), the one definition the
    // events to the web app use too (contract §15.1).
    private const string SubscriptionColumns = "api_subscription(s)::text";

    private const string InvoiceColumns = "api_invoice(i)::text";

    public async Task<List<PlanItem>> PlansAsync(CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            SELECT id, name, price, interaction_credits, scraper_credits, billing_interval, trial_days
              FROM subscription_plans WHERE is_active ORDER BY price, name
            """);
        var list = new List<PlanItem>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            list.Add(new PlanItem(r.GetGuid(0), r.GetString(1), r.GetInt64(2), r.GetInt64(3), r.GetInt64(4), r.GetString(5), r.GetInt32(6)));
        }
        return list;
    }

    /// <summary>The live subscription, else the most recent one; null when the user never had one.</summary>
    public async Task<SubscriptionView?> CurrentAsync(string userId, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand($"""
            SELECT {SubscriptionColumns}
              FROM subscriptions s
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
              FROM subscriptions s
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

    /// <summary>One of the user's invoices (null for anyone else's: contract §7.3 answers 404, never 403).</summary>
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

    private static SubscriptionView ReadSubscription(NpgsqlDataReader r) => ApiObject.Read<SubscriptionView>(r, 0);

    private static InvoiceView ReadInvoice(NpgsqlDataReader r) => ApiObject.Read<InvoiceView>(r, 0);
}
