using System.Text.Json;
using Npgsql;

namespace BillingCycle.Api.PayPage;

/// <summary>Reads an invoice by its public token: the only key the public page knows.</summary>
public sealed class PayPageStore(NpgsqlDataSource db)
{
    public async Task<PayPageInvoice?> ByTokenAsync(string token, CancellationToken ct)
    {
        if (token.Length is < 32 or > 128)
        {
            return null;
        }
        await using var cmd = db.CreateCommand("""
            SELECT i.id, i.invoice_number, i.kind, i.status, i.amount, i.period_start, i.period_end, i.line_items::text,
                   i.created_at, i.paid_at, u.full_name, u.email, s.status
              FROM invoices i
              JOIN subscriptions s ON s.id = i.subscription_id
              LEFT JOIN users u ON u.id = i.user_id
             WHERE i.public_token = $1
            """);
        cmd.Parameters.Add(new() { Value = token });
        await using var r = await cmd.ExecuteReaderAsync(ct);
        if (!await r.ReadAsync(ct))
        {
            return null;
        }
        using var items = JsonDocument.Parse(r.GetString(7));
        return new PayPageInvoice(r.GetGuid(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetInt64(4),
            r.GetFieldValue<DateTimeOffset>(5), r.GetFieldValue<DateTimeOffset>(6), items.RootElement.Clone(),
            r.GetFieldValue<DateTimeOffset>(8), r.IsDBNull(9) ? null : r.GetFieldValue<DateTimeOffset>(9),
            r.IsDBNull(10) ? null : r.GetString(10), r.IsDBNull(11) ? null : r.GetString(11), r.GetString(12));
    }
}
