using BillingCycle.Api.Infrastructure.Time;
using Npgsql;

namespace BillingCycle.Api.Console.Data;

/// <summary>A callback iPaymu sent (webhook_events), as evidence.</summary>
public sealed record CallbackEvidence(Guid Id, DateTimeOffset ReceivedAt, string? TransactionId, string? ReferenceId,
    string? StatusCode, bool? SignatureValid, string? Outcome, string Payload);

/// <summary>The attempt an oddity is about, with iPaymu's last answer about it (gateway_response).</summary>
public sealed record AttemptEvidence(Guid Id, string ReferenceId, int AttemptNumber, string Status, long Amount,
    string? TransactionId, string? Oddity, string? GatewayResponse, string? InvoiceNumber, string? InvoiceStatus);

/// <summary>One oddity (contract §4.10): the billing_logs row that raised it, its evidence and its resolution if any.</summary>
public sealed record OddityRow(
    Guid Id, DateTimeOffset At, string EventType, string? Kind, string? UserId, string? Message, string Details,
    string? TransactionId, AttemptEvidence? Attempt, string? ResolvedBy, string? ResolutionNote, DateTimeOffset? ResolvedAt)
{
    public bool Resolved => ResolvedAt is not null;

    public List<CallbackEvidence> Callbacks { get; } = [];
}

public enum ResolveOutcome
{
    Resolved,
    AlreadyResolved,
    NotFound,
}

/// <summary>Oddities are billing_logs rows (written by settlement and the callback path); resolutions are the console's own table.</summary>
public sealed class OddityStore(NpgsqlDataSource db, BillingClock clock)
{
    /// <summary>What makes a billing log an oddity; the same predicate as billing_logs_oddity_idx and console_resolve_oddity.</summary>
    public const string IsOddity = "(l.event_type = 'payment_oddity' OR (l.event_type = 'webhook' AND l.status = 'error'))";

    public async Task<long> OpenCountAsync(CancellationToken ct)
    {
        await using var cmd = db.CreateCommand($"""
            SELECT count(*) FROM billing_logs l
             WHERE {IsOddity} AND NOT EXISTS (SELECT 1 FROM oddity_resolutions r WHERE r.billing_log_id = l.id)
            """);
        return (long)(await cmd.ExecuteScalarAsync(ct))!;
    }

    /// <summary>Unresolved first, newest first within each; with the attempt and up to 5 callbacks each.</summary>
    public async Task<IReadOnlyList<OddityRow>> ListAsync(int limit, CancellationToken ct)
    {
        var rows = new List<OddityRow>();
        await using (var cmd = db.CreateCommand($"""
            SELECT l.id, l.created_at, l.event_type, l.details ->> 'kind', l.user_id, l.error_message, l.details::text,
                   coalesce(p.transaction_id, l.details ->> 'transaction_id'),
                   p.id, p.reference_id, p.attempt_number, p.status, p.amount, p.transaction_id, p.oddity,
                   p.gateway_response::text, i.invoice_number, i.status,
                   r.resolved_by, r.note, r.resolved_at
              FROM billing_logs l
              LEFT JOIN oddity_resolutions r ON r.billing_log_id = l.id
              LEFT JOIN payments p ON p.id = CASE WHEN length(l.details ->> 'payment_id') = 36
                                                   AND l.details ->> 'payment_id' ~ '^[0-9a-fA-F-]+$' THEN (l.details ->> 'payment_id')::uuid END
              LEFT JOIN invoices i ON i.id = p.invoice_id
             WHERE {IsOddity}
             ORDER BY (r.billing_log_id IS NOT NULL), l.created_at DESC
             LIMIT $1
            """))
        {
            cmd.Parameters.Add(new() { Value = limit });
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
            {
                var attempt = r.IsDBNull(8) ? null : new AttemptEvidence(r.GetGuid(8), r.GetString(9), r.GetInt32(10), r.GetString(11),
                    r.GetInt64(12), Text(r, 13), Text(r, 14), Text(r, 15), Text(r, 16), Text(r, 17));
                rows.Add(new OddityRow(r.GetGuid(0), r.GetFieldValue<DateTimeOffset>(1), r.GetString(2), Text(r, 3), Text(r, 4),
                    Text(r, 5), r.GetString(6), Text(r, 7), attempt, Text(r, 18), Text(r, 19),
                    r.IsDBNull(20) ? null : r.GetFieldValue<DateTimeOffset>(20)));
            }
        }
        await AttachCallbacksAsync(rows, ct);
        return rows;
    }

    /// <summary>The callbacks about each oddity's transaction or attempt reference: one query for the page.</summary>
    private async Task AttachCallbacksAsync(List<OddityRow> rows, CancellationToken ct)
    {
        var transactions = rows.Select(o => o.TransactionId).OfType<string>().Distinct(StringComparer.Ordinal).ToArray();
        var references = rows.Select(o => o.Attempt?.ReferenceId).OfType<string>().Distinct(StringComparer.Ordinal).ToArray();
        if (transactions.Length == 0 && references.Length == 0)
        {
            return;
        }
        await using var cmd = db.CreateCommand("""
            SELECT id, received_at, transaction_id, reference_id, status_code, signature_valid, outcome, payload::text
              FROM webhook_events
             WHERE transaction_id = ANY($1) OR reference_id = ANY($2)
             ORDER BY received_at DESC
             LIMIT 500
            """);
        cmd.Parameters.Add(new() { Value = transactions });
        cmd.Parameters.Add(new() { Value = references });
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            var cb = new CallbackEvidence(r.GetGuid(0), r.GetFieldValue<DateTimeOffset>(1), Text(r, 2), Text(r, 3), Text(r, 4),
                r.IsDBNull(5) ? null : r.GetBoolean(5), Text(r, 6), r.GetString(7));
            foreach (var o in rows)
            {
                var matches = (cb.TransactionId is not null && cb.TransactionId == o.TransactionId)
                              || (cb.ReferenceId is not null && cb.ReferenceId == o.Attempt?.ReferenceId);
                if (matches && o.Callbacks.Count < 5)
                {
                    o.Callbacks.Add(cb);
                }
            }
        }
    }

    /// <summary>console_resolve_oddity: the resolution and its operator_action log in one transaction.</summary>
    public async Task<ResolveOutcome> ResolveAsync(Guid oddityId, string operatorId, string note, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("SELECT console_resolve_oddity($1, $2, $3, $4)");
        cmd.Parameters.Add(new() { Value = oddityId });
        cmd.Parameters.Add(new() { Value = operatorId });
        cmd.Parameters.Add(new() { Value = note });
        cmd.Parameters.Add(new() { Value = clock.UtcNow });
        return (string)(await cmd.ExecuteScalarAsync(ct))! switch
        {
            "resolved" => ResolveOutcome.Resolved,
            "already_resolved" => ResolveOutcome.AlreadyResolved,
            _ => ResolveOutcome.NotFound,
        };
    }

    private static string? Text(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);
}
