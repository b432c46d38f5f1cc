using System.Runtime.CompilerServices;
using Npgsql;

namespace BillingCycle.Api.Tax;

/// <summary>The faktur groups of contract §12.4: a buyer with an NPWP, with a NIK or passport, or retail (digunggung).</summary>
public enum FakturGroup { Npwp, IdentityDocument, Retail }

/// <summary>One group's count and sums, whole rupiah.</summary>
public sealed record FakturGroupTotal(FakturGroup Group, long Count, long TaxableBase, long OtherTaxableBase, long Tax);

/// <summary>One paid invoice with PPN, as its faktur needs it.</summary>
public sealed record FakturInvoice(
    Guid Id, string Number, DateOnly Date, string Description, string? BuyerName, string? BuyerAddress, string? BuyerEmail,
    string? TaxIdType, string? TaxId, string? Nitku, long TaxableBase, long? OtherTaxableBase, long Discount, decimal Rate, long Tax,
    string? Nsfp)
{
    /// <summary>f ≠ 1: the invoice was taxed on DPP nilai lain (contract §12.1).</summary>
    public bool HasOtherBase => OtherTaxableBase is not null;
}

/// <summary>
/// Paid invoices with PPN whose paid_at falls in a month in Asia/Jakarta time (contract §12.4: an
/// invoice paid 31 Jan 17:30 UTC is paid 1 Feb 00:30 in Jakarta, and belongs to February). The
/// bounds and the faktur date are computed by PostgreSQL's time zone data, never by a fixed offset.
/// Refunded invoices were paid in their month too: they stay, and their credit note corrects them.
/// An invoice settled by a waived payment (charge_waived, contract §11.3) took no money, so no PPN
/// was collected: it is in no total and gets no faktur.
/// </summary>
public sealed class TaxMonthStore(NpgsqlDataSource db)
{
    /// <summary>How many invoices without an NSFP the page lists (the count is always complete).</summary>
    public const int MissingListed = 200;

    private const string Month = """
        i.status IN ('paid', 'refunded') AND jsonb_typeof(i.line_items -> 'tax') = 'object'
        AND i.paid_at >= (make_date($1, $2, 1)::timestamp AT TIME ZONE 'Asia/Jakarta')
        AND i.paid_at < ((make_date($1, $2, 1) + interval '1 month')::timestamp AT TIME ZONE 'Asia/Jakarta')
        AND NOT EXISTS (SELECT 1 FROM payments w WHERE w.invoice_id = i.id AND w.status = 'paid' AND w.provider = 'waived')
        """;

    private const string Group = """
        CASE i.buyer ->> 'tax_id_type' WHEN 'npwp' THEN 0 WHEN 'nik' THEN 1 WHEN 'passport' THEN 1 ELSE 2 END
        """;

    public async Task<IReadOnlyList<FakturGroupTotal>> TotalsAsync(TaxMonth month, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand($"""
            SELECT {Group} AS g, count(*),
                   coalesce(sum((i.line_items -> 'tax' ->> 'taxable_base')::bigint), 0)::bigint,
                   coalesce(sum(coalesce(i.line_items -> 'tax' ->> 'other_taxable_base', i.line_items -> 'tax' ->> 'taxable_base')::bigint), 0)::bigint,
                   coalesce(sum((i.line_items -> 'tax' ->> 'amount')::bigint), 0)::bigint
              FROM invoices i
             WHERE {Month}
             GROUP BY g
            """);
        cmd.Parameters.AddWithValue(month.Year);
        cmd.Parameters.AddWithValue(month.Month);
        var found = new Dictionary<FakturGroup, FakturGroupTotal>();
        await using (var r = await cmd.ExecuteReaderAsync(ct))
        {
            while (await r.ReadAsync(ct))
            {
                var g = (FakturGroup)r.GetInt32(0);
                found[g] = new FakturGroupTotal(g, r.GetInt64(1), r.GetInt64(2), r.GetInt64(3), r.GetInt64(4));
            }
        }
        return Enum.GetValues<FakturGroup>().Select(g => found.GetValueOrDefault(g) ?? new FakturGroupTotal(g, 0, 0, 0, 0)).ToList();
    }

    /// <summary>Invoices of the first two groups (those that get their own faktur) still without an NSFP.</summary>
    public async Task<(long Count, IReadOnlyList<FakturInvoice> Listed)> MissingNsfpAsync(TaxMonth month, CancellationToken ct)
    {
        var listed = new List<FakturInvoice>();
        await foreach (var f in InvoicesAsync(month, onlyMissingNsfp: true, ct))
        {
            listed.Add(f);
            if (listed.Count == MissingListed)
            {
                break;
            }
        }
        await using var cmd = db.CreateCommand($"""
            SELECT count(*) FROM invoices i WHERE {Month} AND {Group} < 2 AND i.tax_invoice_number IS NULL
            """);
        cmd.Parameters.AddWithValue(month.Year);
        cmd.Parameters.AddWithValue(month.Month);
        return ((long)(await cmd.ExecuteScalarAsync(ct))!, listed);
    }

    /// <summary>Each invoice with its own faktur (an NPWP, NIK or passport buyer), by paid time, streamed.</summary>
    public async IAsyncEnumerable<FakturInvoice> InvoicesAsync(
        TaxMonth month, bool onlyMissingNsfp, [EnumeratorCancellation] CancellationToken ct)
    {
        await using var cmd = db.CreateCommand($"""
            SELECT i.id, i.invoice_number, (i.paid_at AT TIME ZONE 'Asia/Jakarta')::date,
                   CASE WHEN i.kind = 'plan_change' THEN concat(i.line_items ->> 'from_plan', ' → ', i.line_items ->> 'to_plan')
                        ELSE coalesce(i.line_items ->> 'plan_name', i.line_items ->> 'name', i.invoice_number) END,
                   i.buyer ->> 'name', i.buyer ->> 'address', i.buyer ->> 'email',
                   i.buyer ->> 'tax_id_type', i.buyer ->> 'tax_id', i.buyer ->> 'nitku',
                   (i.line_items -> 'tax' ->> 'taxable_base')::bigint, (i.line_items -> 'tax' ->> 'other_taxable_base')::bigint,
                   coalesce((i.line_items -> 'discount' ->> 'amount')::bigint, 0),
                   (i.line_items -> 'tax' ->> 'rate')::numeric, (i.line_items -> 'tax' ->> 'amount')::bigint,
                   i.tax_invoice_number
              FROM invoices i
             WHERE {Month} AND {Group} < 2 AND ($3 = false OR i.tax_invoice_number IS NULL)
             ORDER BY i.paid_at, i.invoice_number
            """);
        cmd.Parameters.AddWithValue(month.Year);
        cmd.Parameters.AddWithValue(month.Month);
        cmd.Parameters.AddWithValue(onlyMissingNsfp);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            yield return new FakturInvoice(
                r.GetGuid(0), r.GetString(1), DateOnly.FromDateTime(r.GetDateTime(2)), r.GetString(3),
                Str(r, 4), Str(r, 5), Str(r, 6), Str(r, 7), Str(r, 8), Str(r, 9),
                r.GetInt64(10), r.IsDBNull(11) ? null : r.GetInt64(11), r.GetInt64(12), r.GetDecimal(13), r.GetInt64(14), Str(r, 15));
        }
    }

    private static string? Str(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);
}
