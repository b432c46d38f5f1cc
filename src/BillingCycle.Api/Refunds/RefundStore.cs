using BillingCycle.Api.Billing;
using BillingCycle.Api.Infrastructure.Time;
using Npgsql;

namespace BillingCycle.Api.Refunds;

/// <summary>
/// Refunds' SQL: the one call that records a refund (db/functions/refunds.sql, one transaction),
/// and the reads of credit notes (explicit columns, indexed by invoice, user or month).
/// </summary>
public sealed class RefundStore(NpgsqlDataSource db, BillingClock clock, BillingOptions options)
{
    private const string Columns = """
        c.id, c.credit_note_number, c.invoice_id, i.invoice_number, c.user_id, c.amount, c.tax_amount,
        c.reason, c.created_by, c.created_at, i.public_token
        """;

    public async Task<RefundResult> RefundAsync(RefundRequest r)
    {
        await using var cmd = db.CreateCommand(
            "SELECT outcome, credit_note_id FROM billing_refund_invoice($1, $2, $3, $4, $5, $6, $7)");
        cmd.Parameters.Add(new() { Value = r.InvoiceId });
        cmd.Parameters.Add(new() { Value = r.Amount });
        cmd.Parameters.Add(new() { Value = r.Reason });
        cmd.Parameters.Add(new() { Value = r.RevokeCredits });
        cmd.Parameters.Add(new() { Value = r.CancelSubscription });
        cmd.Parameters.Add(new() { Value = r.OperatorId });
        cmd.Parameters.Add(new() { Value = clock.UtcNow });
        await using var reader = await cmd.ExecuteReaderAsync(CancellationToken.None);
        await reader.ReadAsync(CancellationToken.None);
        var outcome = reader.GetString(0) switch
        {
            "refunded" => RefundOutcome.Refunded,
            "not_found" => RefundOutcome.NotFound,
            "not_paid" => RefundOutcome.NotPaid,
            "already_refunded" => RefundOutcome.AlreadyRefunded,
            "exceeds_paid" => RefundOutcome.ExceedsPaid,
            var w => throw new InvalidOperationException($"billing_refund_invoice answered an unknown outcome '{w}'"),
        };
        return new RefundResult(outcome, reader.IsDBNull(1) ? null : reader.GetGuid(1));
    }

    public async Task<CreditNoteView?> CreditNoteAsync(Guid id, CancellationToken ct) =>
        (await ListAsync($"SELECT {Columns} FROM credit_notes c JOIN invoices i ON i.id = c.invoice_id WHERE c.id = $1", ct, id))
            .FirstOrDefault();

    /// <summary>An invoice's credit notes, oldest first (the pay page, the portal).</summary>
    public Task<List<CreditNoteView>> ForInvoiceAsync(Guid invoiceId, CancellationToken ct) =>
        ListAsync($"""
            SELECT {Columns} FROM credit_notes c JOIN invoices i ON i.id = c.invoice_id
             WHERE c.invoice_id = $1 ORDER BY c.created_at, c.credit_note_number
            """, ct, invoiceId);

    /// <summary>A credit note by its invoice's public token and its number: the public PDF's lookup.</summary>
    public async Task<CreditNoteView?> ByTokenAsync(string publicToken, string number, CancellationToken ct) =>
        (await ListAsync($"""
            SELECT {Columns} FROM credit_notes c JOIN invoices i ON i.id = c.invoice_id
             WHERE c.credit_note_number = $1 AND i.public_token = $2
            """, ct, number, publicToken)).FirstOrDefault();

    /// <summary>
    /// Credit notes issued in one calendar month of Asia/Jakarta time, oldest first: the tax page
    /// (contract §12.4) lists them as needing a correction in Coretax.
    /// </summary>
    public Task<List<CreditNoteView>> InJakartaMonthAsync(int year, int month, CancellationToken ct) =>
        ListAsync($"""
            SELECT {Columns} FROM credit_notes_in_jakarta_month($1) m
              JOIN credit_notes c ON c.id = m.id JOIN invoices i ON i.id = c.invoice_id
             ORDER BY c.created_at, c.credit_note_number
            """, ct, new DateOnly(year, month, 1));

    /// <summary>The invoice as a refund left it, for the answer.</summary>
    public async Task<RefundedInvoice?> InvoiceAsync(Guid invoiceId, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand(
            "SELECT id, invoice_number, status, amount, refunded_amount FROM invoices WHERE id = $1");
        cmd.Parameters.Add(new() { Value = invoiceId });
        await using var r = await cmd.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct)
            ? new RefundedInvoice(r.GetGuid(0), r.GetString(1), r.GetString(2), r.GetInt64(3), r.GetInt64(4))
            : null;
    }

    public string? PdfUrl(string publicToken, string number) =>
        options.PayPageUrl(publicToken) is { } page ? $"{page}/credit-notes/{Uri.EscapeDataString(number)}.pdf" : null;

    private async Task<List<CreditNoteView>> ListAsync(string sql, CancellationToken ct, params object[] args)
    {
        await using var cmd = db.CreateCommand(sql);
        foreach (var a in args)
        {
            cmd.Parameters.Add(new() { Value = a });
        }
        var list = new List<CreditNoteView>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            list.Add(new CreditNoteView(r.GetGuid(0), r.GetString(1), r.GetGuid(2), r.GetString(3), r.GetString(4),
                r.GetInt64(5), r.GetInt64(6), r.GetString(7), r.GetString(8), r.GetFieldValue<DateTimeOffset>(9),
                PdfUrl(r.GetString(10), r.GetString(1))));
        }
        return list;
    }
}
