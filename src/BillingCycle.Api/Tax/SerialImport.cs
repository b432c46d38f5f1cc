using Npgsql;

namespace BillingCycle.Api.Tax;

/// <summary>What became of one pasted line (contract §12.5).</summary>
public enum SerialOutcome
{
    /// <summary>The NSFP is now the invoice's.</summary>
    Stored,
    /// <summary>The invoice already had exactly this NSFP: nothing to do (a list pasted twice).</summary>
    AlreadyStored,
    /// <summary>Not "invoice_number,NSFP" with a 17-digit NSFP.</summary>
    Malformed,
    /// <summary>No invoice has that number.</summary>
    UnknownInvoice,
    /// <summary>The invoice is not paid: no faktur is due for it.</summary>
    NotPaid,
    /// <summary>The invoice already has another NSFP; never overwritten.</summary>
    HasAnotherNsfp,
    /// <summary>That NSFP belongs to another invoice already, or to another line of this paste.</summary>
    NsfpTaken,
    /// <summary>The paste names this invoice again with another NSFP: neither line is stored.</summary>
    Conflicting,
}

/// <summary>One line of the report: its number in the paste, what it said, and what became of it.</summary>
public sealed record SerialLine(int LineNumber, string Text, string? InvoiceNumber, string? Nsfp, SerialOutcome Outcome);

/// <summary>
/// Stores the NSFP Coretax gave each faktur, from the list pasted back into the console: one line
/// <c>invoice_number,NSFP</c> (a comma or a tab, as Coretax's export gives it; dots and dashes in
/// the NSFP are dropped). Bounded (<see cref="MaxLines"/> lines, <see cref="MaxChars"/> characters);
/// applied in ONE transaction, so a paste is stored whole or not at all; an NSFP already stored is
/// never overwritten (also enforced by the trigger in db/functions/tax.sql and the unique index).
/// </summary>
public sealed class SerialImport(NpgsqlDataSource db)
{
    public const int MaxLines = 10_000;
    public const int MaxChars = 1_000_000;
    public const int NsfpDigits = 17;

    public static IReadOnlyList<SerialLine> Parse(string paste)
    {
        var lines = new List<SerialLine>();
        var number = 0;
        foreach (var raw in paste.Split('\n'))
        {
            number++;
            var text = raw.TrimEnd('\r').Trim();
            if (text.Length == 0)
            {
                continue;
            }
            var parts = text.Split(text.Contains('\t', StringComparison.Ordinal) ? '\t' : ',', StringSplitOptions.TrimEntries);
            var invoice = parts.Length == 2 && parts[0].Length is > 0 and <= 40 ? parts[0] : null;
            var nsfp = parts.Length == 2 ? Nsfp(parts[1]) : null;
            lines.Add(invoice is null || nsfp is null
                ? new SerialLine(number, Shorten(text), null, null, SerialOutcome.Malformed)
                : new SerialLine(number, Shorten(text), invoice, nsfp, SerialOutcome.Stored));
        }
        return lines;
    }

    /// <summary>The 17 digits of an NSFP as Coretax prints it (e.g. 04002600000000123 or 04.00.26.00000000123).</summary>
    public static string? Nsfp(string text)
    {
        if (text.Any(ch => !char.IsAsciiDigit(ch) && ch is not ('.' or '-' or ' ')))
        {
            return null;
        }
        var digits = string.Concat(text.Where(char.IsAsciiDigit));
        return digits.Length == NsfpDigits ? digits : null;
    }

    /// <summary>Decides every line and stores the good ones, in one transaction.</summary>
    public async Task<IReadOnlyList<SerialLine>> ApplyAsync(IReadOnlyList<SerialLine> parsed, DateTimeOffset now, CancellationToken ct)
    {
        var lines = WithinPaste(parsed);
        var candidates = lines.Where(l => l.Outcome == SerialOutcome.Stored).ToList();
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        // One import at a time: two pastes giving one NSFP to different invoices would each miss the
        // other's uncommitted number, and the second would meet the unique index as an error
        // instead of a line that says "NSFP taken". Imports are a monthly, one-operator task.
        await using (var serial = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtext('billing:nsfp-import'))", conn, tx))
        {
            await serial.ExecuteNonQueryAsync(ct);
        }
        // The named invoices, locked, and any invoice already holding one of the pasted NSFP.
        var invoices = new Dictionary<string, (Guid Id, string Status, string? Nsfp)>(StringComparer.Ordinal);
        var holders = new Dictionary<string, string>(StringComparer.Ordinal);
        await using (var cmd = new NpgsqlCommand("""
            SELECT invoice_number, id, status, tax_invoice_number FROM invoices
             WHERE invoice_number = ANY($1) OR tax_invoice_number = ANY($2)
             ORDER BY id
               FOR UPDATE
            """, conn, tx))
        {
            cmd.Parameters.AddWithValue(candidates.Select(l => l.InvoiceNumber!).Distinct().ToArray());
            cmd.Parameters.AddWithValue(candidates.Select(l => l.Nsfp!).Distinct().ToArray());
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
            {
                var nsfp = r.IsDBNull(3) ? null : r.GetString(3);
                invoices[r.GetString(0)] = (r.GetGuid(1), r.GetString(2), nsfp);
                if (nsfp is not null)
                {
                    holders[nsfp] = r.GetString(0);
                }
            }
        }
        var decided = lines.Select(l => l.Outcome != SerialOutcome.Stored ? l : l with
        {
            Outcome = !invoices.TryGetValue(l.InvoiceNumber!, out var inv) ? SerialOutcome.UnknownInvoice
                : inv.Nsfp == l.Nsfp ? SerialOutcome.AlreadyStored
                : inv.Nsfp is not null ? SerialOutcome.HasAnotherNsfp
                : holders.ContainsKey(l.Nsfp!) ? SerialOutcome.NsfpTaken
                : inv.Status is not ("paid" or "refunded") ? SerialOutcome.NotPaid
                : SerialOutcome.Stored,
        }).ToList();
        var store = decided.Where(l => l.Outcome == SerialOutcome.Stored).ToList();
        if (store.Count > 0)
        {
            await using var update = new NpgsqlCommand("""
                UPDATE invoices i SET tax_invoice_number = x.nsfp, updated_at = $3
                  FROM unnest($1::text[], $2::text[]) AS x(invoice_number, nsfp)
                 WHERE i.invoice_number = x.invoice_number AND i.tax_invoice_number IS NULL
                """, conn, tx);
            update.Parameters.AddWithValue(store.Select(l => l.InvoiceNumber!).ToArray());
            update.Parameters.AddWithValue(store.Select(l => l.Nsfp!).ToArray());
            update.Parameters.AddWithValue(now);
            if (await update.ExecuteNonQueryAsync(ct) != store.Count)
            {
                // Cannot happen under the row locks above; if it does, store nothing rather than part.
                throw new InvalidOperationException("NSFP import: the locked invoices changed under the import");
            }
        }
        await tx.CommitAsync(ct);
        return decided;
    }

    /// <summary>Lines that contradict each other inside the paste; an exact repeat is only reported once stored.</summary>
    private static List<SerialLine> WithinPaste(IReadOnlyList<SerialLine> parsed)
    {
        var good = parsed.Where(l => l.Outcome == SerialOutcome.Stored).ToList();
        var invoiceNsfps = good.GroupBy(l => l.InvoiceNumber!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(l => l.Nsfp!).Distinct(StringComparer.Ordinal).Count(), StringComparer.Ordinal);
        var nsfpInvoices = good.GroupBy(l => l.Nsfp!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(l => l.InvoiceNumber!).Distinct(StringComparer.Ordinal).Count(), StringComparer.Ordinal);
        var seen = new HashSet<(string, string)>();
        return parsed.Select(l => l.Outcome != SerialOutcome.Stored ? l
            : invoiceNsfps[l.InvoiceNumber!] > 1 ? l with { Outcome = SerialOutcome.Conflicting }
            : nsfpInvoices[l.Nsfp!] > 1 ? l with { Outcome = SerialOutcome.NsfpTaken }
            : !seen.Add((l.InvoiceNumber!, l.Nsfp!)) ? l with { Outcome = SerialOutcome.AlreadyStored }
            : l).ToList();
    }

    private static string Shorten(string text) => text.Length <= 120 ? text : text[..117] + "…";
}
