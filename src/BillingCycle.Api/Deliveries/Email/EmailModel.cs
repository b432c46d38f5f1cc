using System.Globalization;
using System.Text.Json;
using BillingCycle.Api.Infrastructure.Time;

namespace BillingCycle.Api.Deliveries.Email;

/// <summary>
/// The values a template may show, and nothing else: named fields taken from the notification,
/// its invoice and plan, formatted for the locale. Free-form notification data never reaches a
/// template as such, so a template cannot print a field nobody chose to show (contract §8.2: never a secret).
/// </summary>
public sealed record EmailModel(
    string CustomerName, string? PlanName, string? Amount, string? InvoiceNumber,
    string? PeriodStart, string? PeriodEnd, string? RenewsOn, string? ExpiresAt, string? NextRetry,
    int? RetryNumber, string ActionUrl, string? AppUrl, string Title, string Message,
    string? CreditNoteNumber = null, string? RefundAmount = null, string? PackName = null, string? Credits = null)
{
    /// <summary>Who sends, for the footer (BILLING_SELLER_NAME).</summary>
    public string? SellerName { get; init; }

    /// <summary>Where a customer asks for help, for the footer (BILLING_SUPPORT_EMAIL).</summary>
    public string? SupportEmail { get; init; }

    public IReadOnlyDictionary<string, object?> Values() => new Dictionary<string, object?>(StringComparer.Ordinal)
    {
        ["customer_name"] = CustomerName,
        ["plan_name"] = PlanName,
        ["amount"] = Amount,
        ["invoice_number"] = InvoiceNumber,
        ["period_start"] = PeriodStart,
        ["period_end"] = PeriodEnd,
        ["renews_on"] = RenewsOn,
        ["expires_at"] = ExpiresAt,
        ["next_retry"] = NextRetry,
        ["retry_number"] = RetryNumber,
        ["action_url"] = ActionUrl,
        ["app_url"] = AppUrl,
        ["title"] = Title,
        ["message"] = Message,
        ["seller_name"] = SellerName,
        ["support_email"] = SupportEmail,
        ["credit_note_number"] = CreditNoteNumber,
        ["refund_amount"] = RefundAmount,
        ["pack_name"] = PackName,
        ["credits"] = Credits,
    };

    /// <param name="zone">The customers' zone (BILLING_TIME_ZONE); Asia/Jakarta when not given.</param>
    public static EmailModel From(EmailItem n, EmailLocale locale, Uri? appUrl, Uri? fallbackUrl, CustomerTime? zone = null)
    {
        var tz = zone ?? CustomerTime.Jakarta;
        var amount = n.InvoiceAmount ?? Long(n.Data, "amount") ?? n.PlanPrice;
        var app = appUrl is null ? null : new Uri(appUrl, "/billing").ToString();
        return new EmailModel(
            CustomerName: !string.IsNullOrWhiteSpace(n.FullName) ? n.FullName.Trim()
                : locale == EmailLocale.Indonesian ? "Pelanggan" : "there",
            PlanName: n.PlanName ?? Text(n.Data, "plan_name"),
            Amount: amount is { } a ? LocaleFormat.Amount(a, locale) : null,
            InvoiceNumber: n.InvoiceNumber ?? Text(n.Data, "invoice_number"),
            PeriodStart: Date(n.PeriodStart ?? Time(n.Data, "period_start"), locale, tz),
            PeriodEnd: Date(n.PeriodEnd ?? Time(n.Data, "period_end"), locale, tz),
            RenewsOn: Date(Time(n.Data, "period_end") ?? n.SubscriptionPeriodEnd, locale, tz),
            ExpiresAt: Time(n.Data, "expires_at") is { } e ? LocaleFormat.DateTime(e, locale, tz) : null,
            NextRetry: Date(Time(n.Data, "next_retry"), locale, tz),
            RetryNumber: (int?)Long(n.Data, "attempt_number"),
            ActionUrl: PayLink(n.Data) ?? app ?? fallbackUrl?.ToString() ?? "",
            AppUrl: app,
            Title: n.Title,
            Message: n.Message,
            // A refund's notification (contract §13.2): its amount is the credit note's, not the invoice's.
            CreditNoteNumber: Text(n.Data, "credit_note_number"),
            RefundAmount: Text(n.Data, "credit_note_number") is not null && Long(n.Data, "amount") is { } r ? LocaleFormat.Amount(r, locale) : null,
            // A paid credit pack (contract §11.4): its name and how many credits it added (1.000 / 1,000).
            PackName: Text(n.Data, "pack_name"),
            Credits: Long(n.Data, "credits") is { } c ? LocaleFormat.Count(c, locale) : null);
    }

    /// <summary>
    /// The link the customer follows: the pay page (data.invoice_url, contract §7.6) when the
    /// notification has it, else the iPaymu link (data.payment_url). Only http(s): a link is put
    /// in an href, where encoding alone would not stop a javascript: URL.
    /// </summary>
    public static string? PayLink(JsonElement data) =>
        SafeUrl(Text(data, "invoice_url")) ?? SafeUrl(Text(data, "payment_url"));

    private static string? SafeUrl(string? value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var u) && (u.Scheme == Uri.UriSchemeHttps || u.Scheme == Uri.UriSchemeHttp)
            ? u.ToString() : null;

    private static string? Date(DateTimeOffset? at, EmailLocale locale, CustomerTime zone) =>
        at is { } t ? LocaleFormat.Date(t, locale, zone) : null;

    private static string? Text(JsonElement data, string name) =>
        data.ValueKind == JsonValueKind.Object && data.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static long? Long(JsonElement data, string name) =>
        data.ValueKind == JsonValueKind.Object && data.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var l) ? l : null;

    private static DateTimeOffset? Time(JsonElement data, string name) =>
        Text(data, name) is { } s && DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : null;
}
