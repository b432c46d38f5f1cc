using System.Text.Json;
using BillingCycle.Api.Infrastructure.Time;
using Npgsql;
using NpgsqlTypes;

namespace BillingCycle.Api.Billing;

/// <summary>A subscription found due for renewal.</summary>
public sealed record DueSubscription(Guid Id, string UserId, DateTimeOffset Anchor, DateTimeOffset CurrentPeriodEnd, long Price);

/// <summary>Everything the iPaymu call for one payment attempt needs.</summary>
public sealed record PaymentWork(
    Guid PaymentId, string ReferenceId, long Amount, int AttemptNumber, Guid InvoiceId, string InvoiceNumber,
    Guid SubscriptionId, string UserId, string PlanName, string? BuyerEmail, string? BuyerName, string? BuyerPhone,
    DateTimeOffset PeriodStart, DateTimeOffset PeriodEnd);

/// <summary>A payment attempt as the callback and reconciliation paths look it up.</summary>
public sealed record PaymentRow(Guid Id, Guid InvoiceId, Guid SubscriptionId, string UserId, string ReferenceId,
    string? SessionId, string? TransactionId, string Status, long Amount, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt);

public sealed record PaidOutcome(string Outcome, Guid? InvoiceId, Guid? SubscriptionId, string? UserId, long Interaction, long Scraper);

/// <summary>The billing engine's SQL: each call is one SQL function, one transaction, one round trip.</summary>
public sealed class BillingStore(NpgsqlDataSource db, BillingClock clock, BillingOptions options)
{
    private const string WorkColumns = """
        w.payment_id, w.reference_id, w.amount, w.attempt_number, w.invoice_id, w.invoice_number, w.subscription_id,
        w.user_id, w.plan_name, w.buyer_email, w.buyer_name, w.buyer_phone, w.period_start, w.period_end
        """;

    public async Task<List<DueSubscription>> DueAsync(DateOnly checkDate, Guid? after, int limit, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            SELECT subscription_id, user_id, billing_anchor, current_period_end, price
              FROM get_subscriptions_due_for_renewal($1, $2, $3)
            """);
        cmd.Parameters.Add(new() { Value = checkDate });
        cmd.Parameters.Add(new() { Value = after is { } a ? a : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
        cmd.Parameters.Add(new() { Value = limit });
        var list = new List<DueSubscription>(limit);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            list.Add(new DueSubscription(r.GetGuid(0), r.GetString(1), r.GetFieldValue<DateTimeOffset>(2), r.GetFieldValue<DateTimeOffset>(3), r.GetInt64(4)));
        }
        return list;
    }

    /// <summary>Creates the next period's invoice and attempt 1 (or cancels at period end).</summary>
    public async Task<(string Outcome, Guid? InvoiceId, PaymentWork? Work)> RenewAsync(
        Guid subscriptionId, DateTimeOffset periodStart, DateTimeOffset periodEnd, Guid runId)
    {
        await using var cmd = db.CreateCommand($"""
            SELECT r.outcome, r.invoice_id, {WorkColumns}
              FROM billing_renew_subscription($1, $2, $3, $4, $5) r
              LEFT JOIN LATERAL billing_payment_work(ARRAY[r.payment_id]) w ON r.payment_id IS NOT NULL
            """);
        cmd.Parameters.Add(new() { Value = subscriptionId });
        cmd.Parameters.Add(new() { Value = periodStart });
        cmd.Parameters.Add(new() { Value = periodEnd });
        cmd.Parameters.Add(new() { Value = runId });
        cmd.Parameters.Add(new() { Value = clock.UtcNow });
        await using var r = await cmd.ExecuteReaderAsync(CancellationToken.None);
        await r.ReadAsync(CancellationToken.None);
        var outcome = r.GetString(0);
        Guid? invoice = r.IsDBNull(1) ? null : r.GetGuid(1);
        return (outcome, invoice, r.IsDBNull(2) ? null : ReadWork(r, 2));
    }

    public async Task<List<PaymentWork>> ClaimOrphansAsync(Guid runId, int limit, bool retryAttempts, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand($"""
            SELECT {WorkColumns}
              FROM billing_payment_work(ARRAY(SELECT billing_claim_orphans($1, $2, $3))) w
            """);
        cmd.Parameters.Add(new() { Value = runId });
        cmd.Parameters.Add(new() { Value = limit });
        cmd.Parameters.Add(new() { Value = retryAttempts });
        var list = new List<PaymentWork>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            list.Add(ReadWork(r, 0));
        }
        return list;
    }

    public async Task<string> AttachAsync(Guid paymentId, string sessionId, string url, DateTimeOffset expiresAt, JsonElement raw)
    {
        await using var cmd = db.CreateCommand("SELECT billing_attach_session($1, $2, $3, $4, $5::jsonb, $6)");
        cmd.Parameters.Add(new() { Value = paymentId });
        cmd.Parameters.Add(new() { Value = sessionId });
        cmd.Parameters.Add(new() { Value = url });
        cmd.Parameters.Add(new() { Value = expiresAt });
        cmd.Parameters.Add(new() { Value = raw.GetRawText() });
        cmd.Parameters.Add(new() { Value = clock.UtcNow });
        return (string)(await cmd.ExecuteScalarAsync(CancellationToken.None))!;
    }

    public async Task DeferAsync(Guid paymentId, string reason)
    {
        await using var cmd = db.CreateCommand("SELECT billing_defer_payment($1, $2, $3)");
        cmd.Parameters.Add(new() { Value = paymentId });
        cmd.Parameters.Add(new() { Value = reason });
        cmd.Parameters.Add(new() { Value = clock.UtcNow });
        await cmd.ExecuteNonQueryAsync(CancellationToken.None);
    }

    public async Task<PaidOutcome> MarkPaidAsync(Guid paymentId, string? transactionId, long? amount, long? fee,
        DateTimeOffset? paidAt, string? rawJson)
    {
        await using var cmd = db.CreateCommand("""
            SELECT outcome, invoice_id, subscription_id, user_id, interaction_credits, scraper_credits
              FROM billing_mark_paid($1, $2, $3, $4, $5, $6::jsonb, $7)
            """);
        cmd.Parameters.Add(new() { Value = paymentId });
        cmd.Parameters.Add(new() { Value = (object?)transactionId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = amount is { } a ? a : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
        cmd.Parameters.Add(new() { Value = fee is { } f ? f : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
        cmd.Parameters.Add(new() { Value = paidAt is { } p ? p.ToUniversalTime() : DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        cmd.Parameters.Add(new() { Value = (object?)rawJson ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = clock.UtcNow });
        await using var r = await cmd.ExecuteReaderAsync(CancellationToken.None);
        await r.ReadAsync(CancellationToken.None);
        return new PaidOutcome(r.GetString(0), r.IsDBNull(1) ? null : r.GetGuid(1), r.IsDBNull(2) ? null : r.GetGuid(2),
            r.IsDBNull(3) ? null : r.GetString(3), r.IsDBNull(4) ? 0 : r.GetInt64(4), r.IsDBNull(5) ? 0 : r.GetInt64(5));
    }

    /// <summary>Fails (or expires) an attempt and moves dunning one step; returns the outcome.</summary>
    public async Task<string> FailAsync(Guid paymentId, string status, string reason, string? rawJson)
    {
        await using var cmd = db.CreateCommand("SELECT outcome FROM billing_fail_payment($1, $2, $3, $4, $5::jsonb, $6)");
        cmd.Parameters.Add(new() { Value = paymentId });
        cmd.Parameters.Add(new() { Value = status });
        cmd.Parameters.Add(new() { Value = reason });
        cmd.Parameters.Add(new() { Value = options.DunningDays.ToArray() });
        cmd.Parameters.Add(new() { Value = (object?)rawJson ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = clock.UtcNow });
        return (string)(await cmd.ExecuteScalarAsync(CancellationToken.None))!;
    }

    public async Task<bool> LearnTransactionAsync(Guid paymentId, string transactionId)
    {
        await using var cmd = db.CreateCommand("SELECT billing_learn_transaction($1, $2, $3)");
        cmd.Parameters.Add(new() { Value = paymentId });
        cmd.Parameters.Add(new() { Value = transactionId });
        cmd.Parameters.Add(new() { Value = clock.UtcNow });
        return (bool)(await cmd.ExecuteScalarAsync(CancellationToken.None))!;
    }

    /// <summary>
    /// Finds an attempt by our reference, else by iPaymu's transaction or session id: three indexed
    /// probes, the first by priority wins. (One WHERE with ORs across the three columns could use
    /// no index and scanned the whole table on every callback.)
    /// </summary>
    public async Task<PaymentRow?> FindPaymentAsync(string? referenceId, string? transactionId, string? sessionId, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            SELECT p.id, p.invoice_id, i.subscription_id, i.user_id, p.reference_id, p.session_id, p.transaction_id,
                   p.status, p.amount, p.created_at, p.expires_at
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
        return await r.ReadAsync(ct) ? ReadPayment(r) : null;
    }

    public async Task LogAsync(string eventType, Guid? subscriptionId, string? userId, string status, object details, string? error)
    {
        await using var cmd = db.CreateCommand("SELECT log_billing_event($1, $2, $3, $4, $5::jsonb, $6, $7)");
        cmd.Parameters.Add(new() { Value = eventType });
        cmd.Parameters.Add(new() { Value = subscriptionId is { } s ? s : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
        cmd.Parameters.Add(new() { Value = (object?)userId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = status });
        cmd.Parameters.Add(new() { Value = JsonSerializer.Serialize(details) });
        cmd.Parameters.Add(new() { Value = (object?)error ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = clock.UtcNow });
        await cmd.ExecuteNonQueryAsync(CancellationToken.None);
    }

    internal static PaymentRow ReadPayment(NpgsqlDataReader r) => new(
        r.GetGuid(0), r.GetGuid(1), r.GetGuid(2), r.GetString(3), r.GetString(4),
        r.IsDBNull(5) ? null : r.GetString(5), r.IsDBNull(6) ? null : r.GetString(6), r.GetString(7), r.GetInt64(8),
        r.GetFieldValue<DateTimeOffset>(9), r.IsDBNull(10) ? null : r.GetFieldValue<DateTimeOffset>(10));

    private static PaymentWork ReadWork(NpgsqlDataReader r, int o) => new(
        r.GetGuid(o), r.GetString(o + 1), r.GetInt64(o + 2), r.GetInt32(o + 3), r.GetGuid(o + 4), r.GetString(o + 5),
        r.GetGuid(o + 6), r.GetString(o + 7), r.GetString(o + 8), r.IsDBNull(o + 9) ? null : r.GetString(o + 9),
        r.IsDBNull(o + 10) ? null : r.GetString(o + 10), r.IsDBNull(o + 11) ? null : r.GetString(o + 11),
        r.GetFieldValue<DateTimeOffset>(o + 12), r.GetFieldValue<DateTimeOffset>(o + 13));
}
