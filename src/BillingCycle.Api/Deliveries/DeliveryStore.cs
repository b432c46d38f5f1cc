using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace BillingCycle.Api.Deliveries;

/// <summary>The notification an email carries, with what its template shows.</summary>
public sealed record EmailItem(
    Guid NotificationId, string Type, string Title, string Message, JsonElement Data, DateTimeOffset CreatedAt,
    string UserId, string? Email, string? FullName,
    string? InvoiceNumber, long? InvoiceAmount, DateTimeOffset? PeriodStart, DateTimeOffset? PeriodEnd,
    string? PlanName, long? PlanPrice, DateTimeOffset? SubscriptionPeriodEnd);

/// <summary>The event a webhook carries.</summary>
public sealed record EventItem(Guid EventId, string Type, string Data, DateTimeOffset CreatedAt);

/// <summary>One claimed delivery: its try number (1 = the first) and what to send.</summary>
public sealed record DeliveryItem(Guid Id, DeliveryChannel Channel, int Attempts, DateTimeOffset CreatedAt, EmailItem? Email, EventItem? Event);

/// <summary>Counts for the gauges (contract §8.1).</summary>
public sealed record DeliveryStats(DeliveryChannel Channel, long Pending, long Dead, DateTimeOffset? OldestPendingCreatedAt);

/// <summary>
/// deliveries: the claim (db/functions/deliveries.sql) and the result of each try. Every result
/// is written only by the worker that holds the try (same id, still pending, same attempt count),
/// so a worker whose lease ran out cannot overwrite what the next one recorded.
/// </summary>
public sealed class DeliveryStore(NpgsqlDataSource db)
{
    public async Task<IReadOnlyList<DeliveryItem>> ClaimAsync(IReadOnlyList<DeliveryChannel> channels, DateTimeOffset now,
        TimeSpan lease, int limit, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            SELECT id, channel, attempts, created_at,
                   notification_id, notification_type, title, message, data, notification_created_at, user_id, email, full_name,
                   invoice_number, invoice_amount, period_start, period_end, plan_name, plan_price, subscription_period_end,
                   event_id, event_type, event_data::text, event_created_at
              FROM deliveries_claim($1, $2, $3, $4)
            """);
        cmd.Parameters.Add(new() { Value = channels.Select(c => c.Name()).ToArray() });
        cmd.Parameters.Add(new() { Value = now });
        cmd.Parameters.Add(new() { Value = lease });
        cmd.Parameters.Add(new() { Value = limit });
        var items = new List<DeliveryItem>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            var channel = RetrySchedule.Parse(r.GetString(1));
            EmailItem? email = null;
            EventItem? evt = null;
            if (channel == DeliveryChannel.Email && !r.IsDBNull(4))
            {
                using var data = JsonDocument.Parse(r.GetString(8));
                email = new EmailItem(r.GetGuid(4), r.GetString(5), r.GetString(6), r.GetString(7), data.RootElement.Clone(),
                    r.GetFieldValue<DateTimeOffset>(9), r.GetString(10), Text(r, 11), Text(r, 12),
                    Text(r, 13), Long(r, 14), Time(r, 15), Time(r, 16), Text(r, 17), Long(r, 18), Time(r, 19));
            }
            else if (channel == DeliveryChannel.Webhook && !r.IsDBNull(20))
            {
                evt = new EventItem(r.GetGuid(20), r.GetString(21), r.GetString(22), r.GetFieldValue<DateTimeOffset>(23));
            }
            items.Add(new DeliveryItem(r.GetGuid(0), channel, r.GetInt32(2), r.GetFieldValue<DateTimeOffset>(3), email, evt));
        }
        return items;
    }

    public Task<bool> MarkSentAsync(DeliveryItem d, DateTimeOffset now) => UpdateAsync("""
        UPDATE deliveries SET status = 'sent', sent_at = $3, last_error = NULL, updated_at = $3
         WHERE id = $1 AND status = 'pending' AND attempts = $2
        """, d, now, null, null);

    public Task<bool> MarkSkippedAsync(DeliveryItem d, DateTimeOffset now, string reason) => UpdateAsync("""
        UPDATE deliveries SET status = 'skipped', last_error = $4, updated_at = $3
         WHERE id = $1 AND status = 'pending' AND attempts = $2
        """, d, now, reason, null);

    public Task<bool> MarkRetryAsync(DeliveryItem d, DateTimeOffset now, string error, DateTimeOffset nextAttemptAt) => UpdateAsync("""
        UPDATE deliveries SET next_attempt_at = $5, last_error = $4, updated_at = $3
         WHERE id = $1 AND status = 'pending' AND attempts = $2
        """, d, now, error, nextAttemptAt);

    /// <summary>True for the one worker that made it dead (and so raises the alert).</summary>
    public Task<bool> MarkDeadAsync(DeliveryItem d, DateTimeOffset now, string error) => UpdateAsync("""
        UPDATE deliveries SET status = 'dead', last_error = $4, updated_at = $3
         WHERE id = $1 AND status = 'pending' AND attempts = $2
        """, d, now, error, null);

    private async Task<bool> UpdateAsync(string sql, DeliveryItem d, DateTimeOffset now, string? error, DateTimeOffset? next)
    {
        await using var cmd = db.CreateCommand(sql);
        cmd.Parameters.Add(new() { Value = d.Id });
        cmd.Parameters.Add(new() { Value = d.Attempts });
        cmd.Parameters.Add(new() { Value = now });
        if (error is not null || next is not null)
        {
            cmd.Parameters.Add(new() { Value = (object?)error ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        }
        if (next is { } n)
        {
            cmd.Parameters.Add(new() { Value = n });
        }
        return await cmd.ExecuteNonQueryAsync(CancellationToken.None) == 1;
    }

    /// <summary>Tells the triggers which channels this deployment sends on (contract §8.2: SMTP_URL unset, no email queued).</summary>
    public async Task WriteChannelsAsync(bool email, bool webhook, DateTimeOffset now, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            INSERT INTO delivery_channels (channel, enabled, updated_at)
            VALUES ('email', $1, $3), ('webhook', $2, $3)
            ON CONFLICT (channel) DO UPDATE SET enabled = excluded.enabled, updated_at = excluded.updated_at
            """);
        cmd.Parameters.Add(new() { Value = email });
        cmd.Parameters.Add(new() { Value = webhook });
        cmd.Parameters.Add(new() { Value = now });
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public async Task<IReadOnlyList<DeliveryStats>> StatsAsync(CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            SELECT channel, count(*) FILTER (WHERE status = 'pending'), count(*) FILTER (WHERE status = 'dead'),
                   min(created_at) FILTER (WHERE status = 'pending')
              FROM deliveries
             WHERE status IN ('pending', 'dead')
             GROUP BY channel
            """);
        var stats = new List<DeliveryStats>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            stats.Add(new DeliveryStats(RetrySchedule.Parse(r.GetString(0)), r.GetInt64(1), r.GetInt64(2), Time(r, 3)));
        }
        return stats;
    }

    /// <summary>Sent and skipped deliveries, and events nobody still has to send, older than the cut-off (housekeeping).</summary>
    public async Task<int> PruneAsync(DateTimeOffset before, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            WITH gone AS (
                DELETE FROM deliveries WHERE status IN ('sent', 'skipped') AND created_at < $1 RETURNING 1),
            old_events AS (
                DELETE FROM events e
                 WHERE e.created_at < $1
                   AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = e.id AND d.status IN ('pending', 'dead'))
                RETURNING 1)
            SELECT (SELECT count(*) FROM gone) + (SELECT count(*) FROM old_events)
            """);
        cmd.Parameters.Add(new() { Value = before });
        return (int)(long)(await cmd.ExecuteScalarAsync(ct))!;
    }

    private static string? Text(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    private static long? Long(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetInt64(i);

    private static DateTimeOffset? Time(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetFieldValue<DateTimeOffset>(i);
}
