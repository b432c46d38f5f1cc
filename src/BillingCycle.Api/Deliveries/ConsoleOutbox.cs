using BillingCycle.Api.Console.Seams;
using BillingCycle.Api.Infrastructure.Time;
using Npgsql;

namespace BillingCycle.Api.Deliveries;

/// <summary>
/// The operator console's view of the outbox (contract §9.2, Deliveries page and the customer
/// timeline): the outbox owns <c>deliveries</c>, so its reads and the one action an operator may
/// take on it (put a dead delivery back in line) live here, not in the console.
/// </summary>
public sealed class ConsoleOutbox(NpgsqlDataSource db, BillingClock clock, TransportClock transport) : IDeliveryConsole
{
    // What a delivery carries, for a person: the notification's type (email) or the event's type (webhook).
    private const string Columns = """
        d.id, d.channel, d.status, d.attempts, coalesce(n.user_id, e.data ->> 'user_id'), coalesce(n.type, e.type),
        d.last_error, d.created_at, d.next_attempt_at, d.sent_at, d.seq
        """;

    public bool Installed => true;

    public async Task<long> DeadCountAsync(CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("SELECT count(*) FROM deliveries WHERE status = 'dead'");
        return (long)(await cmd.ExecuteScalarAsync(ct))!;
    }

    /// <summary>Dead ones (deliveries_dead_idx) and pending ones that already failed once (deliveries_failing_idx).</summary>
    public Task<IReadOnlyList<DeliveryRow>> FailingAsync(int limit, CancellationToken ct) => ReadAsync($"""
        SELECT {Columns}
          FROM (SELECT id FROM (SELECT id, updated_at FROM deliveries WHERE status = 'dead' ORDER BY updated_at DESC LIMIT $1) dead
                UNION ALL
                SELECT id FROM (SELECT id, updated_at FROM deliveries WHERE status = 'pending' AND attempts > 0
                                 ORDER BY updated_at DESC LIMIT $1) failing) f
          JOIN deliveries d ON d.id = f.id
          LEFT JOIN notifications n ON n.id = d.notification_id
          LEFT JOIN events e ON e.id = d.event_id
         ORDER BY d.updated_at DESC, d.seq DESC
         LIMIT $1
        """, ct, limit);

    /// <summary>
    /// A customer's emails (through their notifications, indexed by user). Webhook deliveries go to
    /// the web app, not to the customer, and are on the Deliveries page.
    /// </summary>
    public Task<IReadOnlyList<DeliveryRow>> ForUserAsync(string userId, int limit, CancellationToken ct) => ReadAsync($"""
        SELECT {Columns}
          FROM notifications n
          JOIN deliveries d ON d.notification_id = n.id
          LEFT JOIN events e ON e.id = d.event_id
         WHERE n.user_id = $2
         ORDER BY d.created_at DESC, d.seq DESC
         LIMIT $1
        """, ct, limit, userId);

    /// <summary>One more try for a dead delivery: due now, attempts kept (so a last failure makes it dead again).</summary>
    public async Task<ActionOutcome> RetryDeadAsync(Guid deliveryId, OperatorAction action, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            WITH target AS (SELECT id, status FROM deliveries WHERE id = $1 FOR UPDATE),
                 retried AS (UPDATE deliveries d SET status = 'pending', next_attempt_at = $3, updated_at = $2
                               FROM target t WHERE d.id = t.id AND t.status = 'dead' RETURNING d.id)
            SELECT (SELECT status FROM target), EXISTS (SELECT 1 FROM retried)
            """);
        cmd.Parameters.Add(new() { Value = deliveryId });
        cmd.Parameters.Add(new() { Value = clock.UtcNow });
        cmd.Parameters.Add(new() { Value = transport.UtcNow }); // due now in transport time, as the worker reads it
        await using var r = await cmd.ExecuteReaderAsync(ct);
        await r.ReadAsync(ct);
        if (r.IsDBNull(0))
        {
            return new ActionOutcome(ActionStatus.NotFound, "There is no delivery with this id.");
        }
        return r.GetBoolean(1)
            ? new ActionOutcome(ActionStatus.Done, "The delivery is due again; the worker sends it within a few seconds.")
            : new ActionOutcome(ActionStatus.Refused, $"Only a dead delivery can be retried; this one is {r.GetString(0)}.", "DELIVERY_NOT_DEAD");
    }

    private async Task<IReadOnlyList<DeliveryRow>> ReadAsync(string sql, CancellationToken ct, params object[] args)
    {
        await using var cmd = db.CreateCommand(sql);
        foreach (var a in args)
        {
            cmd.Parameters.Add(new() { Value = a });
        }
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var rows = new List<DeliveryRow>();
        while (await r.ReadAsync(ct))
        {
            rows.Add(new DeliveryRow(r.GetGuid(0), r.GetString(1), r.GetString(2), r.GetInt32(3),
                r.IsDBNull(4) ? null : r.GetString(4), r.IsDBNull(5) ? null : r.GetString(5),
                r.IsDBNull(6) ? null : r.GetString(6), r.GetFieldValue<DateTimeOffset>(7),
                r.GetFieldValue<DateTimeOffset>(8), r.IsDBNull(9) ? null : r.GetFieldValue<DateTimeOffset>(9))
            {
                Seq = r.GetInt64(10),
            });
        }
        return rows;
    }
}
