using System.Globalization;

namespace BillingCycle.Api.Billing;

/// <summary>Renewal and payment-link settings (contract §2), read from the environment and validated at start-up.</summary>
public sealed class BillingOptions
{
    /// <summary>BILLING_CRON_SECRET (at least <see cref="MinimumCronSecretLength"/> characters); null disables renew, retry and test-clock (401 for everyone).</summary>
    public string? CronSecret { get; set; }

    /// <summary>BILLING_PAYMENT_EXPIRY_HOURS: lifetime of a payment link.</summary>
    public int PaymentExpiryHours { get; set; } = 24;

    /// <summary>PUBLIC_BASE_URL: this service; notifyUrl is PUBLIC_BASE_URL/api/billing/webhook.</summary>
    public Uri? PublicBaseUrl { get; set; }

    /// <summary>APP_URL (or NEXT_PUBLIC_APP_URL): the web app, for returnUrl and cancelUrl.</summary>
    public Uri? AppUrl { get; set; }

    /// <summary>BILLING_TAX_PERCENT, BILLING_TAX_NAME, BILLING_PRICES_INCLUDE_TAX (contract §7.8).</summary>
    public TaxSettings Tax { get; set; } = new(0, "PPN", true);

    /// <summary>
    /// BILLING_MIN_CHARGE, iPaymu's minimum: an upgrade's prorated price below this applies without a charge, and any
    /// invoice whose total is under it is settled at once (charge_waived, contract §11.3); a credit pack may not cost less (§11.4).
    /// </summary>
    public long MinCharge { get; set; } = 5_000;

    public Uri? NotifyUrl => PublicBaseUrl is null ? null : new Uri(PublicBaseUrl, "/api/billing/webhook");

    /// <summary>An invoice's public pay page, PUBLIC_BASE_URL/pay/{public_token} (contract §7.6); null without PUBLIC_BASE_URL.</summary>
    public Uri? PayPageUrl(string publicToken) => PublicBaseUrl is null ? null : new Uri(PublicBaseUrl, "/pay/" + Uri.EscapeDataString(publicToken));

    /// <summary>
    /// iPaymu's returnUrl: the web app's APP_URL/billing?payment=success (contract §2) with the invoice's
    /// id, which the app looks up (GET /api/invoices/{id}, whose invoice_url is the pay page). Never
    /// the pay page's token: returnUrl is seen by iPaymu and lands in the app's query strings and
    /// analytics (contract §10.4).
    /// </summary>
    public Uri? ReturnUrl(Guid invoiceId) => AppUrl is null ? null
        : new Uri(AppUrl, "/billing?payment=success&invoice_id=" + invoiceId.ToString("D"));

    /// <summary>contract §10.6: a shorter cron secret stops start-up.</summary>
    public const int MinimumCronSecretLength = Infrastructure.Auth.CronSecret.MinimumLength;

    public static BillingOptions FromConfiguration(IConfiguration c)
    {
        var o = new BillingOptions
        {
            CronSecret = string.IsNullOrWhiteSpace(c["BILLING_CRON_SECRET"]) ? null : c["BILLING_CRON_SECRET"],
            PublicBaseUrl = Url(c["PUBLIC_BASE_URL"], "PUBLIC_BASE_URL"),
            AppUrl = Url(c["APP_URL"] ?? c["NEXT_PUBLIC_APP_URL"], "APP_URL"),
        };
        if (o.CronSecret is { Length: < MinimumCronSecretLength })
        {
            // Names the setting, never the value (nor its length).
            throw new Infrastructure.StartupException($"BILLING_CRON_SECRET must be at least {MinimumCronSecretLength} characters (e.g. openssl rand -hex 32)");
        }
        o.PaymentExpiryHours = Int(c["BILLING_PAYMENT_EXPIRY_HOURS"], "BILLING_PAYMENT_EXPIRY_HOURS", 1, 24 * 30) ?? o.PaymentExpiryHours;
        o.MinCharge = Int(c["BILLING_MIN_CHARGE"], "BILLING_MIN_CHARGE", 0, 1_000_000_000) ?? o.MinCharge;
        o.Tax = TaxSettings.FromConfiguration(c);
        return o;
    }

    private static int? Int(string? value, string name, int min, int max)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }
        return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v >= min && v <= max
            ? v
            : throw new Infrastructure.StartupException($"{name} must be a whole number from {min} to {max}");
    }

    private static Uri? Url(string? value, string name)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }
        return Uri.TryCreate(value.Trim(), UriKind.Absolute, out var u) && (u.Scheme == Uri.UriSchemeHttp || u.Scheme == Uri.UriSchemeHttps)
            ? u
            : throw new Infrastructure.StartupException($"{name} must be an absolute http(s) URL");
    }
}
