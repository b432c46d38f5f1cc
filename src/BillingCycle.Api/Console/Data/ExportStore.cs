using System.Runtime.CompilerServices;
using Npgsql;

namespace BillingCycle.Api.Console.Data;

/// <summary>One invoice as accounting receives it (SPEC §9.2, Export).</summary>
public sealed record ExportRow(
    string Number, DateTimeOffset Date, string? Customer, string? Email, DateTimeOffset PeriodStart, DateTimeOffset PeriodEnd,
    long Amount, long Tax, string Status, DateTimeOffset? PaidAt, string? TransactionId);

/// <summary>A month's invoices, streamed from one indexed read (invoices_created_idx), oldest first.</summary>
public sealed class ExportStore(NpgsqlDataSource db)
{
    /// <summary>
    /// Tax is the sum of the invoice's tax lines (SPEC §7.8: a line <c>{type: "tax", amount}</c>); an
    /// invoice whose line_items is a single object (every renewal so far) carries none, 0. The
    /// transaction id is the one of the attempt that paid it (never an oddity's).
    /// </summary>
    public async IAsyncEnumerable<ExportRow> MonthAsync(ConsoleMonth month, [EnumeratorCancellation] CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            SELECT i.invoice_number, i.created_at, u.full_name, u.email, i.period_start, i.period_end, i.amount,
                   CASE jsonb_typeof(i.line_items)
                        WHEN 'array' THEN (SELECT coalesce(sum((e ->> 'amount')::bigint), 0) FROM jsonb_array_elements(i.line_items) e
                                            WHERE e ->> 'type' = 'tax')
                        ELSE coalesce((i.line_items -> 'tax' ->> 'amount')::bigint, 0) END,
                   i.status, i.paid_at, p.transaction_id
              FROM invoices i
              LEFT JOIN users u ON u.id = i.user_id
              LEFT JOIN payments p ON p.invoice_id = i.id AND p.status = 'paid' AND p.oddity IS NULL
             WHERE i.created_at >= $1 AND i.created_at < $2
             ORDER BY i.created_at, i.invoice_number
            """);
        cmd.Parameters.Add(new() { Value = month.Start });
        cmd.Parameters.Add(new() { Value = month.End });
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            yield return new ExportRow(r.GetString(0), r.GetFieldValue<DateTimeOffset>(1), r.IsDBNull(2) ? null : r.GetString(2),
                r.IsDBNull(3) ? null : r.GetString(3), r.GetFieldValue<DateTimeOffset>(4), r.GetFieldValue<DateTimeOffset>(5),
                r.GetInt64(6), r.GetInt64(7), r.GetString(8), r.IsDBNull(9) ? null : r.GetFieldValue<DateTimeOffset>(9),
                r.IsDBNull(10) ? null : r.GetString(10));
        }
    }
}
