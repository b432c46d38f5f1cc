using BillingCycle.Api.Invoices;
using Microsoft.Extensions.Caching.Memory;

namespace BillingCycle.Api.InvoicePdf;

/// <summary>
/// Rendered PDFs, per instance, keyed by everything the file shows that can change: the invoice,
/// its status (and the subscription's, which decides whether it is open), when it was paid, the
/// buyer's name and email, and the language. Anyone with a pay link can ask for the PDF as often
/// as they like; a render costs milliseconds of CPU, a cached answer nothing. Bounded in count and
/// kept for a while only, so a changed seller setting shows after a restart or an hour at most.
/// </summary>
public sealed class InvoicePdfCache : IDisposable
{
    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = 2_000 });

    // Everything the renderer draws that can change after the invoice is made: its state, the buyer
    // and their tax identity (live while the invoice is open), the NSFP once imported, the live
    // link's expiry, the receipt's transaction, and the language and zone of the words.
    private sealed record Key(Guid Invoice, string Status, string SubscriptionStatus, DateTimeOffset? PaidAt,
        string? BuyerName, string? BuyerEmail, InvoiceBuyerTax? BuyerTax, string? Nsfp, DateTimeOffset? LinkExpiresAt,
        string? TransactionId, string? PaidMethod, string? PaidChannel, string Lang, string Zone);

    public byte[] GetOrRender(PayPageInvoice invoice, PayPageText text, Func<byte[]> render)
    {
        var key = new Key(invoice.Id, invoice.Status, invoice.SubscriptionStatus, invoice.PaidAt,
            invoice.BuyerName, invoice.BuyerEmail, invoice.BuyerTax, invoice.Nsfp, invoice.LinkExpiresAt,
            invoice.TransactionId, invoice.PaidMethod, invoice.PaidChannel, text.Lang, text.Zone.Zone.Id);
        if (_cache.TryGetValue(key, out byte[]? pdf) && pdf is not null)
        {
            return pdf;
        }
        pdf = render();
        _cache.Set(key, pdf, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = TimeSpan.FromHours(1) });
        return pdf;
    }

    public void Dispose() => _cache.Dispose();
}
