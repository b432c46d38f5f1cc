using System.Text.Json;
using Npgsql;

namespace BillingCycle.Api.PayPage;

/// <summary>
/// Reads an invoice with its buyer, as the pay page and the PDF show it: by its public token (the
/// only key the public page knows), or by id for its own user (the API's PDF).
/// </summary>
public sealed class PayPageStore(NpgsqlDataSource db)
{
    private const string Select = """
        SELECT i.id, i.invoice_number, i.kind, i.status, i.amount, i.period_start, i.period_end, i.line_items::text,
               i.created_at, i.paid_at, u.full_name, u.email, s.status, i.public_token
          FROM invoices i
          JOIN subscriptions s ON s.id = i.subscription_id
          LEFT JOIN users u ON u.id = i.user_id
        """;

    public async Task<PayPageInvoice?> ByTokenAsync(string token, CancellationToken ct)
    {
        if (token.Length is < 32 or > 128)
        {
            return null;
        }
        await using var cmd = db.CreateCommand($"{Select} WHERE i.public_token = $1");
        cmd.Parameters.Add(new() { Value = token });
        return await ReadOneAsync(cmd, ct);
    }

    /// <summary>One of the user's invoices; null for anyone else's (SPEC §7.3: 404, never 403).</summary>
    public async Task<PayPageInvoice?> ByIdAsync(Guid id, string userId, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand($"{Select} WHERE i.id = $1 AND i.user_id = $2");
        cmd.Parameters.Add(new() { Value = id });
        cmd.Parameters.Add(new() { Value = userId });
        return await ReadOneAsync(cmd, ct);
    }

    private static async Task<PayPageInvoice?> ReadOneAsync(NpgsqlCommand cmd, CancellationToken ct)
    {
        await using var r = await cmd.ExecuteReaderAsync(ct);
        if (!await r.ReadAsync(ct))
        {
            return null;
        }
        using var items = JsonDocument.Parse(r.GetString(7));
        return new PayPageInvoice(r.GetGuid(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetInt64(4),
            r.GetFieldValue<DateTimeOffset>(5), r.GetFieldValue<DateTimeOffset>(6), items.RootElement.Clone(),
            r.GetFieldValue<DateTimeOffset>(8), r.IsDBNull(9) ? null : r.GetFieldValue<DateTimeOffset>(9),
            r.IsDBNull(10) ? null : r.GetString(10), r.IsDBNull(11) ? null : r.GetString(11), r.GetString(12), r.GetString(13));
    }

    /// <summary>The invoice's credit notes, oldest first (contract §13.2), for the page's list.</summary>
    public async Task<List<PayPageCreditNote>> CreditNotesAsync(Guid invoiceId, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            SELECT credit_note_number, amount, tax_amount, created_at FROM credit_notes
             WHERE invoice_id = $1 ORDER BY created_at, credit_note_number
            """);
        cmd.Parameters.Add(new() { Value = invoiceId });
        var list = new List<PayPageCreditNote>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            list.Add(new PayPageCreditNote(r.GetString(0), r.GetInt64(1), r.GetInt64(2), r.GetFieldValue<DateTimeOffset>(3)));
        }
        return list;
    }
}
