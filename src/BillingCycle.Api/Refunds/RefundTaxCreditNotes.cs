using BillingCycle.Api.Tax;
using Npgsql;

namespace BillingCycle.Api.Refunds;

/// <summary>
/// The month's credit notes for the tax page (contract §12.4, §13.2): each corrects an invoice
/// whose faktur was already reported, so the accountant makes the correction in Coretax. The
/// month is an Asia/Jakarta month, as the faktur's (credit_notes_in_jakarta_month).
/// </summary>
public sealed class RefundTaxCreditNotes(NpgsqlDataSource db) : ITaxCreditNotes
{
    public bool Recorded => true;

    public async Task<IReadOnlyList<TaxCreditNote>> MonthAsync(TaxMonth month, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            SELECT m.credit_note_number, m.invoice_number, i.tax_invoice_number, m.created_at, m.amount, m.tax_amount
              FROM credit_notes_in_jakarta_month($1) m JOIN invoices i ON i.id = m.invoice_id
             ORDER BY m.created_at, m.credit_note_number
            """);
        cmd.Parameters.Add(new() { Value = new DateOnly(month.Year, month.Month, 1) });
        var list = new List<TaxCreditNote>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            list.Add(new TaxCreditNote(r.GetString(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2),
                r.GetFieldValue<DateTimeOffset>(3), r.GetInt64(4), r.GetInt64(5)));
        }
        return list;
    }
}
