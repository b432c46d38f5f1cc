using BillingCycle.Api.Infrastructure.Time;
using Npgsql;
using NpgsqlTypes;

namespace BillingCycle.Api.Settlement;

/// <summary>
/// What the one who asked for a settlement records in the settlement's own transaction, given its
/// outcome label: the webhook side's record of the callback that told us (Webhooks/WebhookEventStore.cs).
/// Settlement runs it without knowing what it writes, so the change and that record commit
/// together or not at all: a callback is never answered 200 without its outcome stored, and a
/// crash between the two cannot leave a settled payment whose callback looks unprocessed
/// (docs/architecture.md, "How a request flows"; contract §6).
/// </summary>
public interface ISettlementWitness
{
    Task RecordAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string outcome);
}

/// <summary>
/// Settlement's SQL: finding attempts and changing their state. Each change is one SQL function
/// (db/functions/settlement_*.sql) = one transaction = one round trip; its outcome word is parsed
/// here, once, into an enum.
/// </summary>
public sealed class AttemptStore(NpgsqlDataSource db, BillingClock clock, SettlementOptions options)
{
    /// <summary>The columns of a <see cref="PaymentAttempt"/>, in the order <see cref="Read"/> takes them.</summary>
    private const string AttemptColumns = """
        p.id, p.invoice_id, i.subscription_id, i.user_id, p.reference_id, p.session_id, p.transaction_id,
        p.status, p.amount, p.created_at, p.expires_at
        """;

    /// <summary>
    /// Finds an attempt by our reference, else by iPaymu's transaction or session id: three indexed
    /// probes, the first by priority wins. (One WHERE with ORs across the three columns could use
    /// no index and scanned the whole table on every callback.)
    /// </summary>
    public async Task<PaymentAttempt?> FindAsync(string? referenceId, string? transactionId, string? sessionId, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand($"""
            SELECT {AttemptColumns}
              FROM payments p JOIN invoices i ON i.id = p.invoice_id
             WHERE p.id = (SELECT c.id FROM (SELECT id, 1 AS priority FROM payments WHERE reference_id = $1
                                             UNION ALL SELECT id, 2 FROM payments WHERE transaction_id = $2
                                             UNION ALL SELECT id, 3 FROM payments WHERE session_id = $3) c
                            ORDER BY c.priority LIMIT 1)
            """);
        cmd.Parameters.Add(new() { Value = (object?)referenceId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = (object?)transactionId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = (object?)sessionId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        await using var r = await cmd.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? Read(r) : null;
    }

    /// <summary>Open attempts iPaymu knows (they have a session), paged by (created_at, id).</summary>
    public async Task<List<PaymentAttempt>> OpenAsync((DateTimeOffset At, Guid Id)? after, int limit, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            SELECT id, invoice_id, subscription_id, user_id, reference_id, session_id, transaction_id,
                   status, amount, created_at, expires_at
              FROM billing_open_attempts($1, $2, $3)
            """);
        cmd.Parameters.Add(new() { Value = after is { } a ? a.At : DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        cmd.Parameters.Add(new() { Value = after is { } b ? b.Id : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
        cmd.Parameters.Add(new() { Value = limit });
        var list = new List<PaymentAttempt>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            list.Add(Read(r));
        }
        return list;
    }

    /// <summary>
    /// Open attempts of checkouts and upgrades still unpaid whose link expired more than the grace
    /// period ago (contract §7.2): housekeeping settles these itself, so they are withdrawn within
    /// the hour rather than at the next daily reconciliation.
    /// </summary>
    public async Task<List<PaymentAttempt>> ExpiredCustomerAttemptsAsync(int limit, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand($"""
            SELECT {AttemptColumns}
              FROM payments p JOIN invoices i ON i.id = p.invoice_id
             WHERE p.status = 'pending' AND p.session_id IS NOT NULL AND p.expires_at < $1
               AND i.status = 'pending' AND i.kind IN ('subscription_create', 'plan_change', 'credit_pack')
             ORDER BY p.expires_at, p.id
             LIMIT $2
            """);
        cmd.Parameters.Add(new() { Value = clock.UtcNow - options.ExpiryGrace });
        cmd.Parameters.Add(new() { Value = limit });
        var list = new List<PaymentAttempt>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            list.Add(Read(r));
        }
        return list;
    }

    /// <summary>Of these references, the attempts we hold as expired or failed (one indexed query).</summary>
    public async Task<List<string>> ClosedAmongAsync(IReadOnlyCollection<string> references, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand(
            "SELECT reference_id FROM payments WHERE reference_id = ANY($1) AND status IN ('expired', 'failed')");
        cmd.Parameters.Add(new() { Value = references.ToArray() });
        var closed = new List<string>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            closed.Add(r.GetString(0));
        }
        return closed;
    }

    /// <summary>A payment iPaymu confirmed: applied at most once per invoice (contract §4.5, §4.10).</summary>
    /// <param name="witness">Who asked (a callback), recording the outcome in the same transaction as the change.</param>
    public async Task<PaidChange> MarkPaidAsync(Guid paymentId, string? transactionId, long? amount, long? fee,
        DateTimeOffset? paidAt, string? rawJson, ISettlementWitness? witness = null)
    {
        await using var conn = await db.OpenConnectionAsync(CancellationToken.None);
        await using var tx = witness is null ? null : await conn.BeginTransactionAsync(CancellationToken.None);
        PaidChange change;
        await using (var cmd = new NpgsqlCommand(
            "SELECT outcome, interaction_credits, scraper_credits FROM billing_mark_paid($1, $2, $3, $4, $5, $6::jsonb, $7)", conn, tx))
        {
            cmd.Parameters.Add(new() { Value = paymentId });
            cmd.Parameters.Add(new() { Value = (object?)transactionId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            cmd.Parameters.Add(new() { Value = amount is { } a ? a : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
            cmd.Parameters.Add(new() { Value = fee is { } f ? f : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
            cmd.Parameters.Add(new() { Value = paidAt is { } p ? p.ToUniversalTime() : DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            cmd.Parameters.Add(new() { Value = (object?)rawJson ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            cmd.Parameters.Add(new() { Value = clock.UtcNow });
            await using var r = await cmd.ExecuteReaderAsync(CancellationToken.None);
            await r.ReadAsync(CancellationToken.None);
            change = new PaidChange(OutcomeWords.ParsePaid(r.GetString(0)), r.IsDBNull(1) ? 0 : r.GetInt64(1), r.IsDBNull(2) ? 0 : r.GetInt64(2));
        }
        if (witness is not null)
        {
            await witness.RecordAsync(conn, tx!, change.Outcome.Label());
            await tx!.CommitAsync(CancellationToken.None);
        }
        return change;
    }

    /// <summary>Fails (or expires) an attempt and moves dunning one step (contract §4.6).</summary>
    /// <param name="witness">Who asked (a callback), recording the outcome in the same transaction as the change.</param>
    public async Task<FailOutcome> FailAsync(Guid paymentId, bool expired, string reason, string? rawJson, ISettlementWitness? witness = null)
    {
        await using var conn = await db.OpenConnectionAsync(CancellationToken.None);
        await using var tx = witness is null ? null : await conn.BeginTransactionAsync(CancellationToken.None);
        FailOutcome outcome;
        await using (var cmd = new NpgsqlCommand("SELECT outcome FROM billing_fail_payment($1, $2, $3, $4, $5::jsonb, $6)", conn, tx))
        {
            cmd.Parameters.Add(new() { Value = paymentId });
            cmd.Parameters.Add(new() { Value = expired ? "expired" : "failed" });
            cmd.Parameters.Add(new() { Value = reason });
            cmd.Parameters.Add(new() { Value = options.DunningDays.ToArray() });
            cmd.Parameters.Add(new() { Value = (object?)rawJson ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            cmd.Parameters.Add(new() { Value = clock.UtcNow });
            outcome = OutcomeWords.ParseFail((string)(await cmd.ExecuteScalarAsync(CancellationToken.None))!);
        }
        if (witness is not null)
        {
            await witness.RecordAsync(conn, tx!, (expired ? "expired:" : "failed:") + outcome.Label());
            await tx!.CommitAsync(CancellationToken.None);
        }
        return outcome;
    }

    /// <summary>A pending answer or a history lookup taught us the attempt's transaction id.</summary>
    public async Task LearnTransactionAsync(Guid paymentId, string transactionId)
    {
        await using var cmd = db.CreateCommand("SELECT billing_learn_transaction($1, $2, $3)");
        cmd.Parameters.Add(new() { Value = paymentId });
        cmd.Parameters.Add(new() { Value = transactionId });
        cmd.Parameters.Add(new() { Value = clock.UtcNow });
        await cmd.ExecuteScalarAsync(CancellationToken.None);
    }

    private static PaymentAttempt Read(NpgsqlDataReader r) => new(
        r.GetGuid(0), r.GetGuid(1), r.IsDBNull(2) ? null : r.GetGuid(2), r.GetString(3), r.GetString(4),
        r.IsDBNull(5) ? null : r.GetString(5), r.IsDBNull(6) ? null : r.GetString(6), r.GetString(7), r.GetInt64(8),
        r.GetFieldValue<DateTimeOffset>(9), r.IsDBNull(10) ? null : r.GetFieldValue<DateTimeOffset>(10));
}
