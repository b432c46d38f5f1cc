using System.Text.Json;
using BillingCycle.Api.Infrastructure.Database;
using BillingCycle.Api.Infrastructure.Http;
using BillingCycle.Api.Infrastructure.Time;
using Npgsql;

namespace BillingCycle.Api.Credits;

/// <summary>Database side of the credit endpoints. Every mutation is one transaction.</summary>
public sealed class CreditStore(NpgsqlDataSource db, BillingClock clock, BalanceBatches batches)
{
    /// <summary>
    /// One change and its billing log, committed with the other changes waiting for the same
    /// balance (<see cref="BalanceBatches"/>); <see cref="InsufficientCreditsException"/> when a consume cannot be covered.
    /// The request's cancellation is not passed on: once queued, the change is applied or refused.
    /// </summary>
    public Task<CreditChange> ApplyAsync(string userId, CreditType type, string kind, long amount,
        string? reference, string? description, string actor, CancellationToken ct) =>
        batches.ApplyAsync(userId, type, kind, amount, reference, description, actor);

    /// <summary>
    /// One change and its billing log inside an Idempotency-Key's transaction (<see cref="IdempotencyScope"/>):
    /// committed by the key's filter with the stored answer, so a crash keeps both or neither. A
    /// consume the balance cannot cover raises SQLSTATE BC409 (credits_apply, a batch of one).
    /// </summary>
    public async Task<CreditChange> ApplyInAsync(IdempotencyScope scope, string userId, CreditType type, string kind, long amount,
        string? reference, string? description, string actor, CancellationToken ct)
    {
        await using var apply = new NpgsqlCommand(
            "SELECT transaction_id, new_balance, replayed FROM credits_apply($1, $2, $3, $4, $5, $6, $7, $8)",
            scope.Connection, scope.Transaction);
        AddChangeParameters(apply.Parameters, userId, type, kind, amount, reference, description, actor);
        await using var r = await apply.ExecuteReaderAsync(ct);
        await r.ReadAsync(ct);
        return new CreditChange(r.GetGuid(0), r.GetInt64(1), r.GetBoolean(2));
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
    /// lock gave (contract §10.5). The cursor is the (created_at, seq, credit_type) of the last row of
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
