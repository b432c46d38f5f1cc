using BillingCycle.Api.Infrastructure.Time;
using BillingCycle.Api.Settlement;
using Npgsql;
using NpgsqlTypes;

namespace BillingCycle.Api.Webhooks;

/// <summary>webhook_events: every callback is stored raw before anything acts on it.</summary>
public sealed class WebhookEventStore(NpgsqlDataSource db, BillingClock clock)
{
    public async Task<Guid> InsertAsync(string? transactionId, string? referenceId, string? statusCode, string? contentType,
        string payloadJson, CancellationToken ct)
    {
        // store_webhook_event skips this insert's own WAL flush; the outcome's synchronous commit,
        // which always precedes a 200, makes it durable (db/functions/webhooks.sql).
        await using var cmd = db.CreateCommand("SELECT store_webhook_event($1, $2, $3, $4, $5, $6::jsonb)");
        cmd.Parameters.Add(new() { Value = clock.UtcNow });
        cmd.Parameters.Add(new() { Value = Cap(transactionId), NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = Cap(referenceId), NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = Cap(statusCode), NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = Cap(contentType), NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = payloadJson });
        return (Guid)(await cmd.ExecuteScalarAsync(ct))!;
    }

    public async Task SetOutcomeAsync(Guid id, bool? signatureValid, string outcome)
    {
        await using var cmd = db.CreateCommand(
            "UPDATE webhook_events SET signature_valid = $2, outcome = $3, processed_at = $4 WHERE id = $1");
        cmd.Parameters.Add(new() { Value = id });
        cmd.Parameters.Add(new() { Value = signatureValid is { } v ? v : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Boolean });
        cmd.Parameters.Add(new() { Value = outcome });
        cmd.Parameters.Add(new() { Value = clock.UtcNow });
        await cmd.ExecuteNonQueryAsync(CancellationToken.None);
    }

    /// <summary>
    /// The callback's outcome, written by settlement in the transaction of the change it made
    /// (AttemptStore runs it): Settlement knows nothing of webhook_events; this side records it.
    /// </summary>
    public ISettlementWitness Witness(Guid id, bool? signatureValid) => new OutcomeWitness(id, signatureValid, clock);

    private sealed class OutcomeWitness(Guid id, bool? signatureValid, BillingClock clock) : ISettlementWitness
    {
        public async Task RecordAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string outcome)
        {
            await using var cmd = new NpgsqlCommand(
                "UPDATE webhook_events SET signature_valid = $2, outcome = $3, processed_at = $4 WHERE id = $1", connection, transaction);
            cmd.Parameters.Add(new() { Value = id });
            cmd.Parameters.Add(new() { Value = signatureValid is { } v ? v : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Boolean });
            cmd.Parameters.Add(new() { Value = outcome });
            cmd.Parameters.Add(new() { Value = clock.UtcNow });
            await cmd.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    /// <summary>
    /// Callbacks stored but never given an outcome, received before the cut-off: the process or the
    /// database crashed while they were handled, so nothing was answered 200 and iPaymu sends them
    /// again (each resend a row of its own). Marked "interrupted", so every stored callback has an
    /// outcome; returns how many.
    /// </summary>
    public async Task<int> CloseInterruptedAsync(DateTimeOffset before, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            UPDATE webhook_events SET outcome = 'interrupted', processed_at = $2
             WHERE outcome IS NULL AND received_at < $1
            """);
        cmd.Parameters.Add(new() { Value = before });
        cmd.Parameters.Add(new() { Value = clock.UtcNow });
        return await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// Deletes unverified and unparsable callbacks received before the cut-off, a batch at a time
    /// so no statement holds many locks; returns how many went. Verified ones are the audit trail and stay.
    /// </summary>
    public async Task<int> PruneUnverifiedAsync(DateTimeOffset before, CancellationToken ct)
    {
        var total = 0;
        while (!ct.IsCancellationRequested)
        {
            await using var cmd = db.CreateCommand("""
                DELETE FROM webhook_events
                 WHERE id IN (SELECT id FROM webhook_events
                               WHERE outcome IN ('unparsable', 'invalid_signature', 'missing_signature')
                                 AND received_at < $1
                               LIMIT 5000)
                """);
            cmd.Parameters.Add(new() { Value = before });
            var n = await cmd.ExecuteNonQueryAsync(ct);
            total += n;
            if (n < 5000)
            {
                break;
            }
        }
        return total;
    }

    private static object Cap(string? s) => s is null ? DBNull.Value : s.Length > 200 ? s[..200] : s;
}
