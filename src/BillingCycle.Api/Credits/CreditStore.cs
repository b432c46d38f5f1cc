using System.Text.Json;
using BillingCycle.Api.Infrastructure.Database;
using BillingCycle.Api.Infrastructure.Time;
using Npgsql;

namespace BillingCycle.Api.Credits;

/// <summary>Database side of the credit endpoints. Every mutation is one transaction.</summary>
public sealed class CreditStore(NpgsqlDataSource db, BillingClock clock, BalanceBatches batches)
{
    public sealed record StoredAnswer(bool Replay, bool KeyReused, string? Json);

    /// <summary>
    /// One change and its billing log, committed with the other changes waiting for the same
    /// balance (<see cref="BalanceBatches"/>); <see cref="InsufficientCreditsException"/> when a consume cannot be covered.
    /// The request's cancellation is not passed on: once queued, the change is applied or refused.
    /// </summary>
    public Task<CreditChange> ApplyAsync(string userId, CreditType type, string kind, long amount,
        string? reference, string? description, string actor, CancellationToken ct) =>
        batches.ApplyAsync(userId, type, kind, amount, reference, description, actor);

    /// <summary>
    /// Applies a change under an Idempotency-Key, in one transaction with the key's row: the first
    /// request stores its answer; a concurrent or later repeat waits on the key's unique index and
    /// gets that stored answer back; the same key with another request hash is refused.
    /// </summary>
    public async Task<(CreditChange? Change, StoredAnswer Stored)> ApplyIdempotentAsync(
        string actor, string endpoint, string key, string requestHash,
        string userId, CreditType type, string kind, long amount, string? reference, string? description,
        Func<CreditChange, object> answer, CancellationToken ct)
    {
        var now = clock.UtcNow;
        await using var conn = await db.OpenConnectionAsync(ct);
        await using (var tx = await conn.BeginTransactionAsync(ct))
        {
            await using var claim = new NpgsqlCommand("""
                INSERT INTO idempotency_keys (user_id, endpoint, key, request_hash, created_at)
                VALUES ($1, $2, $3, $4, $5)
                ON CONFLICT DO NOTHING
                """, conn, tx);
            claim.Parameters.Add(new() { Value = actor });
            claim.Parameters.Add(new() { Value = endpoint });
            claim.Parameters.Add(new() { Value = key });
            claim.Parameters.Add(new() { Value = requestHash });
            claim.Parameters.Add(new() { Value = now });
            if (await claim.ExecuteNonQueryAsync(ct) == 1)
            {
                CreditChange change;
                await using (var apply = new NpgsqlCommand(
                    "SELECT transaction_id, new_balance, replayed FROM credits_apply($1, $2, $3, $4, $5, $6, $7, $8)", conn, tx))
                {
                    AddChangeParameters(apply.Parameters, userId, type, kind, amount, reference, description, actor);
                    await using var r = await apply.ExecuteReaderAsync(ct);
                    await r.ReadAsync(ct);
                    change = new CreditChange(r.GetGuid(0), r.GetInt64(1), r.GetBoolean(2));
                }
                var json = JsonSerializer.Serialize(answer(change), CreditJson.Options);
                await using (var store = new NpgsqlCommand(
                    "UPDATE idempotency_keys SET status_code = 200, response = $4::jsonb WHERE user_id = $1 AND endpoint = $2 AND key = $3",
                    conn, tx))
                {
                    store.Parameters.Add(new() { Value = actor });
                    store.Parameters.Add(new() { Value = endpoint });
                    store.Parameters.Add(new() { Value = key });
                    store.Parameters.Add(new() { Value = json });
                    await store.ExecuteNonQueryAsync(ct);
                }
                await tx.CommitAsync(ct);
                return (change, new StoredAnswer(false, false, json));
            }
            await tx.RollbackAsync(ct);
        }

        await using var read = new NpgsqlCommand(
            "SELECT request_hash, response::text FROM idempotency_keys WHERE user_id = $1 AND endpoint = $2 AND key = $3", conn);
        read.Parameters.Add(new() { Value = actor });
        read.Parameters.Add(new() { Value = endpoint });
        read.Parameters.Add(new() { Value = key });
        await using var rr = await read.ExecuteReaderAsync(ct);
        await rr.ReadAsync(ct);
        var storedHash = rr.GetString(0);
        var stored = rr.IsDBNull(1) ? null : rr.GetString(1);
        return storedHash == requestHash ? (null, new StoredAnswer(true, false, stored)) : (null, new StoredAnswer(true, true, null));
    }

    public async Task<CreditBalanceAnswer> BalanceAsync(string userId, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            SELECT coalesce(max(balance) FILTER (WHERE credit_type = 'interaction'), 0),
                   coalesce(max(balance) FILTER (WHERE credit_type = 'scraper'), 0)
              FROM credit_balances WHERE user_id = $1
            """);
        cmd.Parameters.Add(new() { Value = userId });
        await using var r = await cmd.ExecuteReaderAsync(ct);
        await r.ReadAsync(ct);
        return new CreditBalanceAnswer(userId, r.GetInt64(0), r.GetInt64(1));
    }

    /// <summary>
    /// Newest first by (created_at, seq): within one credit type that is the order the balance
    /// lock gave (SPEC §10.5). The cursor is the (created_at, seq, credit_type) of the last row of
    /// the previous page.
    /// </summary>
    public async Task<List<CreditTransactionItem>> LedgerAsync(string userId, CreditType? type, int limit,
        LedgerCursor? before, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            SELECT api_credit_transaction(t)::text
              FROM credit_transactions t
             WHERE t.user_id = $1
               AND ($2::text IS NULL OR t.credit_type = $2)
               AND ($3::timestamptz IS NULL OR (t.created_at, t.seq, t.credit_type) < ($3, $4, $5))
             ORDER BY t.created_at DESC, t.seq DESC, t.credit_type DESC
             LIMIT $6
            """);
        cmd.Parameters.Add(new() { Value = userId });
        cmd.Parameters.Add(new() { Value = (object?)type?.Name() ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = before is { } b ? b.At : DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        cmd.Parameters.Add(new() { Value = before is { } c ? c.Seq : 0L });
        cmd.Parameters.Add(new() { Value = before is { } d ? d.CreditType : "" });
        cmd.Parameters.Add(new() { Value = limit });
        var list = new List<CreditTransactionItem>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            // The row's shape is built by SQL (db/functions/api_objects.sql), shared with the
            // credits.granted event (contract §15.1).
            list.Add(ApiObject.Read<CreditTransactionItem>(r, 0));
        }
        return list;
    }

    private void AddChangeParameters(NpgsqlParameterCollection p, string userId, CreditType type, string kind, long amount,
        string? reference, string? description, string actor)
    {
        p.Add(new() { Value = userId });
        p.Add(new() { Value = type.Name() });
        p.Add(new() { Value = kind });
        p.Add(new() { Value = amount });
        p.Add(new() { Value = (object?)reference ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        p.Add(new() { Value = (object?)description ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        p.Add(new() { Value = actor });
        p.Add(new() { Value = clock.UtcNow });
    }
}

internal static class CreditJson
{
    public static readonly JsonSerializerOptions Options = Create();

    private static JsonSerializerOptions Create()
    {
        var o = new JsonSerializerOptions();
        Infrastructure.PlatformExtensions.Configure(o);
        return o;
    }
}
