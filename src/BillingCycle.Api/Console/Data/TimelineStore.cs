using Npgsql;

namespace BillingCycle.Api.Console.Data;

/// <summary>One thing that happened to a customer, from whichever table recorded it.</summary>
/// <param name="Kind">subscription, invoice, payment, refund, retry, callback, credits, notification, delivery, log.</param>
public sealed record TimelineEntry(DateTimeOffset At, string Kind, string Title, string? Detail, string? Status)
{
    /// <summary>
    /// The row's place in activity_seq (0 for rows of tables without one): on a frozen test clock
    /// many rows share one instant, and this keeps them in the order they were written.
    /// </summary>
    public long Seq { get; init; }
}

/// <summary>
/// A customer's history as one timeline (contract §9.2): subscription changes, invoices, payment
/// attempts, dunning retries, iPaymu callbacks, the credit ledger, notifications and the billing
/// log, newest first. Each branch is a read of a per-user index, capped, so a customer with years
/// of history still answers at once. (Callbacks are found by two index joins and a UNION: one
/// WHERE with an OR across the two columns read every callback ever received.) Deliveries come from the outbox's seam and are merged by the caller.
/// </summary>
public sealed class TimelineStore(NpgsqlDataSource db)
{
    public const int PerSource = 200;

    private const string Sql = """
        WITH subs AS (SELECT s.id, s.billing_anchor, s.canceled_at, s.cancel_reason, s.status, s.cancel_at_period_end, p.name AS plan
                        FROM subscriptions s JOIN subscription_plans p ON p.id = s.plan_id WHERE s.user_id = $1),
             invs AS (SELECT id, invoice_number, amount, status, period_start, period_end, created_at, paid_at
                        FROM invoices WHERE user_id = $1 ORDER BY created_at DESC LIMIT $2),
             pays AS (SELECT p.id, p.attempt_number, p.reference_id, p.transaction_id, p.status, p.amount, p.failure_reason,
                             p.oddity, p.created_at, p.updated_at, p.expires_at, i.invoice_number, p.seq, p.provider, p.manual_details
                        FROM payments p JOIN invs i ON i.id = p.invoice_id)
        SELECT at, kind, title, detail, status, seq, raw_details FROM (
            SELECT billing_anchor AS at, 'subscription' AS kind, 'Subscription started on ' || plan AS title,
                   CASE WHEN cancel_at_period_end THEN 'set to cancel at period end' END AS detail, status, 0::bigint AS seq, NULL::text AS raw_details FROM subs
            UNION ALL
            SELECT canceled_at, 'subscription', 'Subscription canceled', cancel_reason, 'canceled', 0, NULL FROM subs WHERE canceled_at IS NOT NULL
            UNION ALL
            SELECT created_at, 'invoice', 'Invoice ' || invoice_number || ' issued',
                   format_idr(amount) || ' for ' || to_char(period_start AT TIME ZONE 'UTC', 'YYYY-MM-DD') || ' – '
                   || to_char(period_end AT TIME ZONE 'UTC', 'YYYY-MM-DD'), status, 0, NULL FROM invs
            UNION ALL
            SELECT paid_at, 'invoice', 'Invoice ' || invoice_number || ' paid', format_idr(amount), 'paid', 0, NULL FROM invs WHERE paid_at IS NOT NULL
            UNION ALL
            SELECT created_at, 'payment',
                   'Payment attempt ' || attempt_number || CASE WHEN attempt_number > 1 THEN ' (retry ' || (attempt_number - 1) || ')' ELSE ' (first link)' END
                   || ' for ' || invoice_number,
                   reference_id || CASE WHEN expires_at IS NOT NULL THEN ', link expires ' || to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') ELSE '' END,
                   'pending', seq, NULL FROM pays WHERE provider <> 'manual'
            UNION ALL
            -- A payment received outside iPaymu, recorded by an operator (contract §13.1).
            SELECT created_at, 'payment',
                   'Manual payment (' || replace(manual_details->>'method', '_', ' ') || ') for ' || invoice_number
                   || ' recorded by ' || (manual_details->>'recorded_by'),
                   concat_ws('; ', format_idr(amount), 'reference ' || (manual_details->>'reference'), manual_details->>'note'),
                   status, seq, NULL FROM pays WHERE provider = 'manual'
            UNION ALL
            -- Refunds: each credit note (contract §13.2); revocations are the ledger's 'revoke' rows below.
            (SELECT c.created_at, 'refund', 'Refund ' || c.credit_note_number || ' of ' || i.invoice_number || ' by ' || c.created_by,
                    concat_ws('; ', format_idr(c.amount) || ' (tax ' || format_idr(c.tax_amount) || ')', c.reason), 'refunded', 0, NULL
               FROM credit_notes c JOIN invoices i ON i.id = c.invoice_id
              WHERE c.user_id = $1 ORDER BY c.created_at DESC LIMIT $2)
            UNION ALL
            SELECT updated_at, 'payment', 'Payment attempt ' || attempt_number || ' ' || status,
                   concat_ws('; ', failure_reason, 'transaction ' || transaction_id, 'oddity: ' || oddity), status, seq, NULL
              FROM pays WHERE status <> 'pending' AND provider <> 'manual'
            UNION ALL
            (SELECT r.created_at, 'retry', 'Retry ' || r.attempt_number || ' scheduled for '
                    || to_char(r.retry_date AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'), NULL, r.status, r.seq, NULL
               FROM payment_retries r WHERE r.subscription_id IN (SELECT id FROM subs) ORDER BY r.created_at DESC, r.seq DESC LIMIT $2)
            UNION ALL
            (SELECT w.received_at, 'callback', 'iPaymu callback, status ' || coalesce(w.status_code, '?'),
                    concat_ws('; ', 'reference ' || w.reference_id, 'transaction ' || w.transaction_id,
                              CASE WHEN w.signature_valid THEN 'signature valid' WHEN NOT w.signature_valid THEN 'signature INVALID' END),
                    w.outcome, w.seq, NULL
               FROM (SELECT c.id FROM pays p JOIN webhook_events c ON c.reference_id = p.reference_id
                     UNION
                     SELECT c.id FROM pays p JOIN webhook_events c ON c.transaction_id = p.transaction_id) ids
               JOIN webhook_events w ON w.id = ids.id
              ORDER BY w.received_at DESC, w.seq DESC LIMIT $2)
            UNION ALL
            (SELECT c.created_at, 'credits', initcap(c.kind) || ' ' || c.credit_type || ' credits ' || c.amount,
                    concat_ws('; ', c.description, 'balance ' || c.balance_after), NULL, 0, NULL
               FROM credit_transactions c WHERE c.user_id = $1 ORDER BY c.created_at DESC LIMIT $2)
            UNION ALL
            (SELECT n.created_at, 'notification', n.type || ': ' || n.title, n.message,
                    CASE WHEN n.read_at IS NULL THEN 'unread' ELSE 'read' END, n.seq, NULL
               FROM notifications n WHERE n.user_id = $1 ORDER BY n.created_at DESC, n.seq DESC LIMIT $2)
            UNION ALL
            (SELECT l.created_at, 'log', l.event_type || ' ' || l.status,
                    l.error_message, l.status, l.seq, l.details::text
               FROM billing_logs l WHERE l.user_id = $1 ORDER BY l.created_at DESC, l.seq DESC LIMIT $2)
        ) t
        ORDER BY at DESC, seq DESC, kind
        """;

    public async Task<List<TimelineEntry>> ReadAsync(string userId, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand(Sql);
        cmd.Parameters.Add(new() { Value = userId });
        cmd.Parameters.Add(new() { Value = PerSource });
        var list = new List<TimelineEntry>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            var detail = r.IsDBNull(3) ? null : r.GetString(3);
            if (!r.IsDBNull(6) && LogDetails.Readable(r.GetString(6)) is { Length: > 0 } details)
            {
                detail = detail is null ? details : $"{detail}; {details}";
            }
            list.Add(new TimelineEntry(r.GetFieldValue<DateTimeOffset>(0), r.GetString(1), r.GetString(2), detail,
                r.IsDBNull(4) ? null : r.GetString(4)) { Seq = r.GetInt64(5) });
        }
        return list;
    }
}
