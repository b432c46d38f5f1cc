using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace BillingCycle.Api.Deliveries;

/// <summary>An event as the catch-up endpoint shows it: the same {type, timestamp, data} as the webhook body, with its id.</summary>
public sealed record EventView(Guid Id, string Type, DateTimeOffset Timestamp, JsonElement Data);

/// <summary>A page of events in the order the catch-up endpoint gives them.</summary>
public sealed record EventPage(IReadOnlyList<EventView> Events, bool HasMore);

/// <summary>
/// Reading events back (contract §8.4, GET /api/billing/events). Events are ordered by (txid, seq),
/// the writing transaction and the insert order, and a page holds only events whose transaction
/// is older than every transaction still running (pg_snapshot_xmin): any event that commits
/// later therefore sorts after everything already returned, and a client that pages with the
/// last id it saw never misses one.
/// </summary>
public sealed class EventLog(NpgsqlDataSource db)
{
    public async Task<EventPage?> AfterAsync(Guid? after, int limit, CancellationToken ct)
    {
        ulong? txid = null;
        long seq = 0;
        if (after is { } id)
        {
            await using var find = db.CreateCommand("SELECT txid, seq FROM events WHERE id = $1");
            find.Parameters.Add(new() { Value = id });
            await using var fr = await find.ExecuteReaderAsync(ct);
            if (!await fr.ReadAsync(ct))
            {
                return null;
            }
            txid = fr.GetFieldValue<ulong>(0);
            seq = fr.GetInt64(1);
        }

        await using var cmd = db.CreateCommand(txid is null
            ? """
              SELECT id, type, created_at, data::text FROM events
               WHERE txid < pg_snapshot_xmin(pg_current_snapshot())
               ORDER BY txid, seq LIMIT $1
              """
            : """
              SELECT id, type, created_at, data::text FROM events
               WHERE (txid, seq) > ($2, $3) AND txid < pg_snapshot_xmin(pg_current_snapshot())
               ORDER BY txid, seq LIMIT $1
              """);
        cmd.Parameters.Add(new() { Value = limit + 1 });
        if (txid is { } t)
        {
            cmd.Parameters.Add(new() { Value = t, NpgsqlDbType = NpgsqlDbType.Xid8 });
            cmd.Parameters.Add(new() { Value = seq });
        }
        var events = new List<EventView>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            using var data = JsonDocument.Parse(r.GetString(3));
            events.Add(new EventView(r.GetGuid(0), r.GetString(1), r.GetFieldValue<DateTimeOffset>(2), data.RootElement.Clone()));
        }
        var more = events.Count > limit;
        return new EventPage(more ? events[..limit] : events, more);
    }
}
