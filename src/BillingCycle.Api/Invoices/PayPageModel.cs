using System.Globalization;
using System.Text.Json;
using BillingCycle.Api.Infrastructure.Time;

namespace BillingCycle.Api.Invoices;

/// <summary>An invoice as its public pay page shows it (contract §7.6).</summary>
public sealed record PayPageInvoice(
    Guid Id, string InvoiceNumber, string Kind, string Status, long Amount, DateTimeOffset PeriodStart, DateTimeOffset PeriodEnd,
    JsonElement LineItems, DateTimeOffset CreatedAt, DateTimeOffset? PaidAt, string? BuyerName, string? BuyerEmail,
    string SubscriptionStatus, string PublicToken, InvoiceBuyerTax? BuyerTax = null, string? Nsfp = null)
{
    /// <summary>Open: pending, or failed while the subscription is past due (the pay-now rule).</summary>
    public bool IsOpen => Status == "pending" || (Status == "failed" && SubscriptionStatus == "past_due");

    /// <summary>A credit pack bills no period (its start is its end, contract §11.4): no period row then.</summary>
    public bool HasPeriod => PeriodEnd > PeriodStart;

    /// <summary>The live iPaymu link's expiry, while the invoice is open and has one: the date to pay by.</summary>
    public DateTimeOffset? LinkExpiresAt { get; init; }

    /// <summary>iPaymu's transaction id of the payment that settled the invoice (the receipt's reference).</summary>
    public string? TransactionId { get; init; }

    /// <summary>How it was paid, as iPaymu reported it: method (va, qris, ewallet, cstore) and channel (bca, dana, …).</summary>
    public string? PaidMethod { get; init; }

    public string? PaidChannel { get; init; }
}

/// <summary>
/// The buyer's address and tax identity as the invoice shows them (contract §12.6): a paid
/// invoice's snapshot (invoices.buyer), else the buyer's billing details as they are now.
/// </summary>
public sealed record InvoiceBuyerTax(string? Address, string? TaxIdType, string? TaxId, string? Nitku)
{
    /// <summary>"NPWP 0012345678901000", "NIK 3171…", "Paspor X123…"; null without a tax id.</summary>
    public string? Identity(PayPageText text) => TaxId is null ? null : TaxIdType switch
    {
        "npwp" => $"NPWP {TaxId}",
        "nik" => $"NIK {TaxId}",
        _ => $"{text.Passport} {TaxId}",
    };
}

/// <summary>The words of the page in Bahasa Indonesia (default) and English, and the money format of each.</summary>
public sealed record PayPageText(
    string Lang, string Title, string Invoice, string Seller, string Buyer, string Period, string Item, string Amount,
    string Total, string Status, string PayNow, string Paid, string PaidOn, string Open, string Cancelled, string Failed,
    string NotFound, string TaxIncluded, string Other, string TryAgain, string GatewayDown,
    string TaxBase, string IssuedOn, string DownloadPdf, string PayAt, string Monthly)
{
    /// <summary>The zone dates are shown in (BILLING_TIME_ZONE); set per request with <see cref="In"/>.</summary>
    public CustomerTime Zone { get; init; } = CustomerTime.Jakarta;

    /// <summary>The receipt's and the open page's extra words, in the page's language.</summary>
    public PayPageExtras Extras => Lang == "en" ? PayPageExtras.English : PayPageExtras.Indonesian;

    public PayPageText In(CustomerTime zone) => this with { Zone = zone };

    public static readonly PayPageText Indonesian = new("id", "Tagihan", "Nomor tagihan", "Penjual", "Pembeli", "Periode",
        "Rincian", "Jumlah", "Total", "Status", "Bayar sekarang", "Lunas", "Dibayar pada", "Belum dibayar", "Dibatalkan",
        "Pembayaran gagal", "Tagihan tidak ditemukan", "termasuk", "English",
        "Tautan pembayaran baru saja dibuat. Silakan coba lagi sebentar lagi.",
        "Layanan pembayaran sedang tidak tersedia. Silakan coba lagi beberapa saat lagi.",
        "Dasar pengenaan pajak", "Tanggal terbit", "Unduh tagihan (PDF)", "Bayar di", "bulanan")
    {
        OtherTaxBase = "DPP nilai lain", TaxInvoiceNumber = "NSFP", Passport = "Paspor", Discount = "Diskon", Yearly = "tahunan",
    };

    public static readonly PayPageText English = new("en", "Invoice", "Invoice number", "Seller", "Billed to", "Period",
        "Item", "Amount", "Total", "Status", "Pay now", "Paid", "Paid on", "Not paid yet", "Cancelled", "Payment failed",
        "Invoice not found", "included", "Bahasa Indonesia",
        "A payment link was made a moment ago. Please try again shortly.",
        "The payment service is unavailable. Please try again in a few minutes.",
        "Taxable base", "Issued on", "Download invoice (PDF)", "Pay at", "monthly")
    {
        OtherTaxBase = "Other taxable base (DPP nilai lain)", TaxInvoiceNumber = "NSFP", Passport = "Passport", Discount = "Discount", Yearly = "yearly",
    };

    /// <summary>A yearly plan's period word (contract §11.1): the line item's <c>period: "yearly"</c>.</summary>
    public string Yearly { get; init; } = "yearly";

    /// <summary>DPP nilai lain (contract §12.1, shown when f ≠ 1), the NSFP, the word for a passport.</summary>
    public string OtherTaxBase { get; init; } = "";

    public string TaxInvoiceNumber { get; init; } = "";

    public string Passport { get; init; } = "";

    /// <summary>The word before a coupon's code on its discount row (contract §11.3).</summary>
    public string Discount { get; init; } = "";

    public static PayPageText For(string? lang) => string.Equals(lang, "en", StringComparison.OrdinalIgnoreCase) ? English : Indonesian;

    /// <summary>Rp149.000 in Indonesian, IDR 149,000 in English (contract §8.2).</summary>
    public string Money(long amount) => amount < 0 ? "-" + Money(-amount) : Lang == "en"
        ? "IDR " + amount.ToString("#,0", CultureInfo.InvariantCulture)
        : "Rp" + amount.ToString("#,0", CultureInfo.InvariantCulture).Replace(',', '.');

    /// <summary>1 November 2026, in the customers' zone.</summary>
    public string Date(DateTimeOffset at) => Zone.Date(at, english: Lang == "en");

    /// <summary>22 Desember 2026, 02:00 WIB: date, time and the zone's name.</summary>
    public string DateTime(DateTimeOffset at) => Zone.DateTime(at, english: Lang == "en");

    public string StatusWord(PayPageInvoice i) => i.Status switch
    {
        "paid" => Paid,
        "cancelled" => Cancelled,
        "failed" when !i.IsOpen => Failed,
        _ => Open,
    };
}
