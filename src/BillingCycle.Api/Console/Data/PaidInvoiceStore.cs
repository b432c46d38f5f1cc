using Npgsql;

namespace BillingCycle.Api.Console.Data;

/// <summary>A paid invoice the customer page offers a refund for (contract §13.2).</summary>
public sealed record PaidInvoice(Guid Id, string Number, long Amount, long Refunded, DateTimeOffset PaidAt)
{
    public long Refundable => Amount - Refunded;
}

/// <summary>A customer's latest paid, not fully refunded invoices: a read of invoices' user index, capped.</summary>
public sealed class PaidInvoiceStore(NpgsqlDataSource db)
{
    public const int Limit = 6;

    public async Task<List<PaidInvoice>> ForUserAsync(string userId, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("""
            SELECT id, invoice_number, amount, refunded_amount, paid_at FROM invoices
             WHERE user_id = $1 AND status = 'paid' AND amount > 0
             ORDER BY created_at DESC LIMIT $2
            """);
        cmd.Parameters.Add(new() { Value = userId });
        cmd.Parameters.Add(new() { Value = Limit });
        var list = new List<PaidInvoice>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            list.Add(new PaidInvoice(r.GetGuid(0), r.GetString(1), r.GetInt64(2), r.GetInt64(3), r.GetFieldValue<DateTimeOffset>(4)));
        }
        return list;
    }
}
