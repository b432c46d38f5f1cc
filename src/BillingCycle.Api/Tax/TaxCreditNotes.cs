
namespace BillingCycle.Api.Tax;

/// <summary>A credit note issued in the month, as the tax page lists it (each needs a correction in Coretax).</summary>
public sealed record TaxCreditNote(string CreditNoteNumber, string InvoiceNumber, string? InvoiceNsfp, DateTimeOffset IssuedAt, long Amount, long TaxAmount);

/// <summary>
/// HOOK for the credit notes of contract §13.2 on the month's tax page (contract §12.4). The feature
/// that owns credit_notes registers its implementation (reading credit notes created in the month,
/// Asia/Jakarta bounds as <see cref="TaxMonthStore"/>); until then <see cref="NoTaxCreditNotes"/>
/// answers none and the page says that credit notes are not recorded here yet.
/// </summary>
public interface ITaxCreditNotes
{
    /// <summary>False while no feature records credit notes (the page then says so instead of "none").</summary>
    bool Recorded { get; }

    Task<IReadOnlyList<TaxCreditNote>> MonthAsync(TaxMonth month, CancellationToken ct);
}

/// <summary>The stand-in while credit notes are not recorded by this service.</summary>
public sealed class NoTaxCreditNotes : ITaxCreditNotes
{
    public bool Recorded => false;

    public Task<IReadOnlyList<TaxCreditNote>> MonthAsync(TaxMonth month, CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<TaxCreditNote>>([]);
}
