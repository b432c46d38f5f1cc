using System.Runtime.CompilerServices;
using Npgsql;

namespace BillingCycle.Api.Console.Data;

/// <summary>One invoice as accounting receives it (contract §9.2, Export).</summary>
public sealed record ExportRow(
    string Number, DateTimeOffset Date, string? Customer, string? Email, DateTimeOffset PeriodStart, DateTimeOffset PeriodEnd,
    long Amount, long Tax, string Status, DateTimeOffset? PaidAt, string? TransactionId,
    string Type = "invoice", string? InvoiceNumber = null, string? Kind = null);

/// <summary>A month's invoices, oldest first (by number at the same instant), streamed.</summary>
public sealed class ExportStore(NpgsqlDataSource db)
{
    /// <summary>
    /// Tax is the sum of the invoice's tax lines (contract §7.8: a line <c>{type: "tax", amount}</c>); an
    /// invoice whose line_items is a single object (every renewal so far) carries none, 0. The
    /// transaction id is the one of the attempt that paid it (never an oddity's).
    /// </summary>
    public const int Chunk = 2_000;

    /// <summary>
    /// Read in keyset chunks along invoices_created_idx (created_at, invoice_number): each chunk is a
    /// short ordered index read with LIMIT, so the first rows leave at once and a month of 100,000
    /// invoices is never sorted or hashed in one piece, whatever the table's physical order. The
    /// customer and the paying attempt are looked up per row (LATERAL, by key).
    /// </summary>
    public async IAsyncEnumerable<ExportRow> MonthAsync(ConsoleMonth month, [EnumeratorCancellation] CancellationToken ct)
    {
        var after = (At: month.Start.AddTicks(-10), Number: "");
        while (true)
        {
            var rows = await ChunkAsync(month, after, ct);
            foreach (var row in rows)
            {
                yield return row;
            }
            if (rows.Count < Chunk)
            {
                break;
            }
            after = (rows[^1].Date, rows[^1].Number);
        }
        await foreach (var note in CreditNotesAsync(month, ct))
        {
            yield return note;
        }
    }

    /// <summary>
    /// The month's credit notes (contract §13.2) as negative rows after the invoices: amount and tax
    /// returned, the invoice they correct, its period and its customer. Along credit_notes_created_idx.
    /// </summary>
    private async IAsyncEnumerable<ExportRow> CreditNotesAsync(ConsoleMonth month, [EnumeratorCancellation] CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            SELECT c.credit_note_number, c.created_at, u.full_name, u.email, i.period_start, i.period_end,
                   c.amount, c.tax_amount, i.invoice_number, i.kind
              FROM credit_notes c JOIN invoices i ON i.id = c.invoice_id
              LEFT JOIN LATERAL (SELECT x.full_name, x.email FROM users x WHERE x.id = c.user_id LIMIT 1) u ON true
             WHERE c.created_at >= $1 AND c.created_at < $2
             ORDER BY c.created_at, c.credit_note_number
            """);
        cmd.Parameters.Add(new() { Value = month.Start });
        cmd.Parameters.Add(new() { Value = month.End });
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            yield return new ExportRow(r.GetString(0), r.GetFieldValue<DateTimeOffset>(1), r.IsDBNull(2) ? null : r.GetString(2),
                r.IsDBNull(3) ? null : r.GetString(3), r.GetFieldValue<DateTimeOffset>(4), r.GetFieldValue<DateTimeOffset>(5),
                -r.GetInt64(6), -r.GetInt64(7), "refunded", null, null, "credit_note", r.GetString(8), r.GetString(9));
        }
    }

    private async Task<List<ExportRow>> ChunkAsync(ConsoleMonth month, (DateTimeOffset At, string Number) after, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            SELECT i.invoice_number, i.created_at, u.full_name, u.email, i.period_start, i.period_end, i.amount,
                   CASE jsonb_typeof(i.line_items)
                        WHEN 'array' THEN (SELECT coalesce(sum((e ->> 'amount')::bigint), 0) FROM jsonb_array_elements(i.line_items) e
                                            WHERE e ->> 'type' = 'tax')
                        ELSE coalesce((i.line_items -> 'tax' ->> 'amount')::bigint, 0) END,
                   i.status, i.paid_at, p.transaction_id, i.kind
              FROM invoices i
              LEFT JOIN LATERAL (SELECT x.full_name, x.email FROM users x WHERE x.id = i.user_id LIMIT 1) u ON true
              LEFT JOIN LATERAL (SELECT y.transaction_id FROM payments y
                                  WHERE y.invoice_id = i.id AND y.status = 'paid' AND y.oddity IS NULL LIMIT 1) p ON true
             WHERE i.created_at >= $1 AND i.created_at < $2 AND (i.created_at, i.invoice_number) > ($3, $4)
             ORDER BY i.created_at, i.invoice_number
             LIMIT $5
            """);
        cmd.Parameters.Add(new() { Value = month.Start });
        cmd.Parameters.Add(new() { Value = month.End });
        cmd.Parameters.Add(new() { Value = after.At });
        cmd.Parameters.Add(new() { Value = after.Number });
        cmd.Parameters.Add(new() { Value = Chunk });
        var rows = new List<ExportRow>(Chunk);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            rows.Add(new ExportRow(r.GetString(0), r.GetFieldValue<DateTimeOffset>(1), r.IsDBNull(2) ? null : r.GetString(2),
                r.IsDBNull(3) ? null : r.GetString(3), r.GetFieldValue<DateTimeOffset>(4), r.GetFieldValue<DateTimeOffset>(5),
                r.GetInt64(6), r.GetInt64(7), r.GetString(8), r.IsDBNull(9) ? null : r.GetFieldValue<DateTimeOffset>(9),
                r.IsDBNull(10) ? null : r.GetString(10), Kind: r.GetString(11)));
        }
        return rows;
    }
}
