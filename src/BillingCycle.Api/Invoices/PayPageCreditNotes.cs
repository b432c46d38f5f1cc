namespace BillingCycle.Api.Invoices;

/// <summary>A credit note of the invoice, as the pay page lists it (contract §13.2), with its PDF.</summary>
public sealed record PayPageCreditNote(string Number, long Amount, long TaxAmount, DateTimeOffset CreatedAt);

/// <summary>The pay page's words for refunds, in Bahasa Indonesia (default) and English.</summary>
public sealed record CreditNoteWords(string Heading, string Refunded, string Number, string Date)
{
    public static readonly CreditNoteWords Indonesian = new("Nota kredit (pengembalian dana)", "Dikembalikan", "Nomor", "Tanggal");
    public static readonly CreditNoteWords English = new("Credit notes (refunds)", "Refunded", "Number", "Date");

    public static CreditNoteWords For(string lang) => lang == "en" ? English : Indonesian;
}
