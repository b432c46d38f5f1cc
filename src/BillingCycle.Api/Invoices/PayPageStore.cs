using System.Text.Json;
using Npgsql;

namespace BillingCycle.Api.Invoices;

/// <summary>
/// Reads an invoice with its buyer, as the pay page and the PDF show it: by its public token (the
/// only key the public page knows), or by id for its own user (the API's PDF).
/// </summary>
public sealed class PayPageStore(NpgsqlDataSource db)
{
    private const string Select = """
        SELECT i.id, i.invoice_number, i.kind, i.status, i.amount, i.period_start, i.period_end, i.line_items::text,
               i.created_at, i.paid_at,
               CASE WHEN i.buyer IS NOT NULL THEN i.buyer ->> 'name' ELSE coalesce(d.name, u.full_name) END,
               CASE WHEN i.buyer IS NOT NULL THEN i.buyer ->> 'email' ELSE coalesce(d.email, u.email) END,
               coalesce(s.status, ''), i.public_token,
               CASE WHEN i.buyer IS NOT NULL THEN i.buyer ->> 'address' ELSE d.address END,
               CASE WHEN i.buyer IS NOT NULL THEN i.buyer ->> 'tax_id_type' ELSE d.tax_id_type END,
               CASE WHEN i.buyer IS NOT NULL THEN i.buyer ->> 'tax_id' ELSE d.tax_id END,
               CASE WHEN i.buyer IS NOT NULL THEN i.buyer ->> 'nitku' ELSE d.nitku END,
               i.tax_invoice_number,
               link.expires_at, paid.transaction_id, paid.method, paid.channel
          FROM invoices i
          -- A credit pack's invoice has no subscription (contract §11.4).
          LEFT JOIN subscriptions s ON s.id = i.subscription_id
          LEFT JOIN users u ON u.id = i.user_id
          -- A paid invoice shows the buyer it was paid with (invoices.buyer); an open one, the details as they are now.
          LEFT JOIN billing_details d ON d.user_id = i.user_id
          -- The live link (the date to pay by) and the payment that settled it (the receipt):
          -- iPaymu's check-transaction answer names the method and channel, in either casing.
          LEFT JOIN LATERAL (SELECT p.expires_at FROM payments p
                              WHERE p.invoice_id = i.id AND p.status = 'pending' AND p.session_id IS NOT NULL
                              ORDER BY p.attempt_number DESC LIMIT 1) link ON i.status IN ('pending', 'failed')
          LEFT JOIN LATERAL (SELECT p.transaction_id,
                                    coalesce(p.gateway_response ->> 'PaymentCode', p.gateway_response ->> 'Via',
                                             p.gateway_response ->> 'via') AS method,
                                    coalesce(p.gateway_response ->> 'PaymentChannel', p.gateway_response ->> 'Channel',
                                             p.gateway_response ->> 'channel') AS channel
                               FROM payments p
                              WHERE p.invoice_id = i.id AND p.status = 'paid' AND p.oddity IS NULL
                              LIMIT 1) paid ON i.status = 'paid'
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

    /// <summary>One of the user's invoices; null for anyone else's (contract §7.3: 404, never 403).</summary>
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
            Str(r, 10), Str(r, 11), r.GetString(12), r.GetString(13),
            new InvoiceBuyerTax(Str(r, 14), Str(r, 15), Str(r, 16), Str(r, 17)), Str(r, 18))
        {
            LinkExpiresAt = r.IsDBNull(19) ? null : r.GetFieldValue<DateTimeOffset>(19),
            TransactionId = Str(r, 20),
            PaidMethod = Str(r, 21),
            PaidChannel = Str(r, 22),
        };
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

    private static string? Str(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);
}
