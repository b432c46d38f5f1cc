using BillingCycle.Api.Infrastructure.Time;
using BillingCycle.Api.Invoices;

namespace BillingCycle.Api.Portal;

/// <summary>
/// Every word the portal shows, in Bahasa Indonesia (the default) and English (contract §14); money
/// and dates come from the pay page's format (Rp149.000 / IDR 149,000, in the customers' zone).
/// </summary>
public sealed partial record PortalText(string Lang, IReadOnlyDictionary<string, string> Words)
{
    public PayPageText Format { get; init; } = PayPageText.Indonesian;

    public string this[string key] => Words.TryGetValue(key, out var w) ? w : key;

    public string Money(long amount) => Format.Money(amount);

    public string Date(DateTimeOffset at) => Format.Date(at);

    /// <summary>1.000 in Indonesian, 1,000 in English: the money format without its currency.</summary>
    public string Number(long n) => Lang == "en"
        ? n.ToString("#,0", System.Globalization.CultureInfo.InvariantCulture)
        : n.ToString("#,0", System.Globalization.CultureInfo.InvariantCulture).Replace(',', '.');

    public string DateTime(DateTimeOffset at) => Format.DateTime(at);

    public static PortalText For(string? locale, CustomerTime zone) => locale == "en"
        ? English with { Format = PayPageText.English.In(zone) }
        : Indonesian with { Format = PayPageText.Indonesian.In(zone) };

    /// <summary>A subscription's status in words.</summary>
    public string Status(string status) => this["status." + status];

    /// <summary>A refused billing-details field (BillingDetailsInput.Field), in words shown beside it.</summary>
    public string FieldError(string field) => this["error." + field];

    /// <summary>A number of days ("14 hari", "14 days").</summary>
    public string Days(int n) => n == 1 ? this["days.one"] : this["days.many"].Replace("{0}", Number(n), StringComparison.Ordinal);

    /// <summary>The words key of a coupon refusal (contract §11.3), shown beside the coupon field.</summary>
    public static string CouponKey(Subscriptions.CouponOutcome outcome) => outcome switch
    {
        Subscriptions.CouponOutcome.Expired => "coupon.expired",
        Subscriptions.CouponOutcome.Exhausted => "coupon.exhausted",
        Subscriptions.CouponOutcome.NotApplicable => "coupon.not_applicable",
        Subscriptions.CouponOutcome.AlreadyRedeemed => "coupon.already_redeemed",
        _ => "coupon.not_found",
    };

    /// <summary>An invoice's status in words.</summary>
    public string InvoiceStatus(string status) => this["invoice." + status];
}
