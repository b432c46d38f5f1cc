using System.Text.Json;
using BillingCycle.Api.Infrastructure.Time;
using Npgsql;
using NpgsqlTypes;

namespace BillingCycle.Api.Billing.Links;

/// <summary>Everything the iPaymu call for one payment attempt needs.</summary>
public sealed record PaymentWork(
    Guid PaymentId, string ReferenceId, long Amount, int AttemptNumber, Guid InvoiceId, string InvoiceNumber,
    Guid? SubscriptionId, string UserId, string PlanName, string? BuyerEmail, string? BuyerName, string? BuyerPhone,
    DateTimeOffset PeriodStart, DateTimeOffset PeriodEnd, string InvoiceKind, int? RetryNumber, bool CustomerInitiated,
    string PublicToken);

/// <summary>A link iPaymu made for an attempt, not yet recorded.</summary>
public sealed record LinkMade(Guid PaymentId, string SessionId, string Url, DateTimeOffset ExpiresAt, JsonElement Raw);

/// <summary>
/// Attempts on their way to iPaymu (db/functions/billing_links.sql): the work an attempt's call
/// needs, the link iPaymu returned, a deferral, and orphans a crash or an outage left behind.
/// </summary>
public sealed class PaymentLinkStore(NpgsqlDataSource db, BillingClock clock)
{
    /// <summary>The columns of billing_payment_work, in the order <see cref="ReadWork"/> takes them.</summary>
    public const string WorkColumns = """
        w.payment_id, w.reference_id, w.amount, w.attempt_number, w.invoice_id, w.invoice_number, w.subscription_id,
        w.user_id, w.plan_name, w.buyer_email, w.buyer_name, w.buyer_phone, w.period_start, w.period_end,
        w.invoice_kind, w.retry_number, w.customer_initiated, w.public_token
        """;

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

    /// <summary>Stores iPaymu's session and link and notifies the customer; false when the attempt moved on meanwhile.</summary>
    public async Task<bool> AttachAsync(Guid paymentId, string sessionId, string url, DateTimeOffset expiresAt, JsonElement raw)
    {
        await using var cmd = db.CreateCommand("SELECT billing_attach_session($1, $2, $3, $4, $5::jsonb, $6)");
        cmd.Parameters.Add(new() { Value = paymentId });
        cmd.Parameters.Add(new() { Value = sessionId });
        cmd.Parameters.Add(new() { Value = url });
        cmd.Parameters.Add(new() { Value = expiresAt });
        cmd.Parameters.Add(new() { Value = raw.GetRawText() });
        cmd.Parameters.Add(new() { Value = clock.UtcNow });
        return (string)(await cmd.ExecuteScalarAsync(CancellationToken.None))! == "attached";
    }

    public async Task DeferAsync(Guid paymentId, string reason) => await DeferManyAsync([(paymentId, reason)]);

    /// <summary>
    /// A batch of iPaymu's links in one call and one transaction (billing_attach_sessions):
    /// the ids of the attempts that got theirs; the others had moved on meanwhile.
    /// </summary>
    public async Task<HashSet<Guid>> AttachManyAsync(IReadOnlyList<LinkMade> made)
    {
        await using var cmd = db.CreateCommand(
            "SELECT payment_id, attached FROM billing_attach_sessions($1, $2, $3, $4, $5::jsonb[], $6)");
        cmd.Parameters.Add(new() { Value = made.Select(m => m.PaymentId).ToArray() });
        cmd.Parameters.Add(new() { Value = made.Select(m => m.SessionId).ToArray() });
        cmd.Parameters.Add(new() { Value = made.Select(m => m.Url).ToArray() });
        cmd.Parameters.Add(new() { Value = made.Select(m => m.ExpiresAt).ToArray() });
        cmd.Parameters.Add(new() { Value = made.Select(m => m.Raw.GetRawText()).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = clock.UtcNow });
        var attached = new HashSet<Guid>();
        await using var r = await cmd.ExecuteReaderAsync(CancellationToken.None);
        while (await r.ReadAsync(CancellationToken.None))
        {
            if (r.GetBoolean(1))
            {
                attached.Add(r.GetGuid(0));
            }
        }
        return attached;
    }

    /// <summary>Attempts iPaymu could not be asked about now: noted in one statement, left for the next run.</summary>
    public async Task DeferManyAsync(IReadOnlyList<(Guid PaymentId, string Reason)> deferred)
    {
        await using var cmd = db.CreateCommand("SELECT billing_defer_payments($1, $2, $3)");
        cmd.Parameters.Add(new() { Value = deferred.Select(d => d.PaymentId).ToArray() });
        cmd.Parameters.Add(new() { Value = deferred.Select(d => d.Reason).ToArray() });
        cmd.Parameters.Add(new() { Value = clock.UtcNow });
        await cmd.ExecuteNonQueryAsync(CancellationToken.None);
    }

    /// <summary>Reads a <see cref="PaymentWork"/> whose <see cref="WorkColumns"/> start at column <paramref name="o"/>.</summary>
    public static PaymentWork ReadWork(NpgsqlDataReader r, int o) => new(
        r.GetGuid(o), r.GetString(o + 1), r.GetInt64(o + 2), r.GetInt32(o + 3), r.GetGuid(o + 4), r.GetString(o + 5),
        r.IsDBNull(o + 6) ? null : r.GetGuid(o + 6), r.GetString(o + 7), r.GetString(o + 8), r.IsDBNull(o + 9) ? null : r.GetString(o + 9),
        r.IsDBNull(o + 10) ? null : r.GetString(o + 10), r.IsDBNull(o + 11) ? null : r.GetString(o + 11),
        r.GetFieldValue<DateTimeOffset>(o + 12), r.GetFieldValue<DateTimeOffset>(o + 13), r.GetString(o + 14),
        r.IsDBNull(o + 15) ? null : r.GetInt32(o + 15), r.GetBoolean(o + 16), r.GetString(o + 17));
}
