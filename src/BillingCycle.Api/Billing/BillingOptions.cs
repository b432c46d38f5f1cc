using System.Globalization;

namespace BillingCycle.Api.Billing;

/// <summary>Billing settings (SPEC §2), read from the environment and validated at start-up.</summary>
public sealed class BillingOptions
{
    /// <summary>BILLING_CRON_SECRET (at least <see cref="MinimumCronSecretLength"/> characters); null disables renew, retry and test-clock (401 for everyone).</summary>
    public string? CronSecret { get; set; }

    /// <summary>BILLING_DUNNING_DAYS: days before retries 1..5.</summary>
    public IReadOnlyList<int> DunningDays { get; set; } = [1, 2, 4, 7, 14];

    /// <summary>BILLING_PAYMENT_EXPIRY_HOURS: lifetime of a payment link.</summary>
    public int PaymentExpiryHours { get; set; } = 24;

    /// <summary>BILLING_GATEWAY_CONCURRENCY: iPaymu calls in flight at once during a job.</summary>
    public int GatewayConcurrency { get; set; } = 8;

    /// <summary>PUBLIC_BASE_URL: this service; notifyUrl is PUBLIC_BASE_URL/api/billing/webhook.</summary>
    public Uri? PublicBaseUrl { get; set; }

    /// <summary>APP_URL (or NEXT_PUBLIC_APP_URL): the web app, for returnUrl and cancelUrl.</summary>
    public Uri? AppUrl { get; set; }

    /// <summary>IPAYMU_CALLBACK_SIGNATURE=required (default) refuses callbacks without X-Signature.</summary>
    public bool CallbackSignatureRequired { get; set; } = true;

    /// <summary>How long past expires_at an unpaid attempt is kept open before it is expired.</summary>
    public TimeSpan ExpiryGrace { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Open attempts settled per reconciliation pass.</summary>
    public int ReconcileBatch { get; set; } = 2_000;

    /// <summary>
    /// BILLING_RECONCILE_HISTORY_PAGES: pages of iPaymu history (20 transactions each) one run may
    /// read to find transactions of attempts whose callback never came. A history longer than
    /// that proves nothing about the attempts it did not reach: they are left open, not expired.
    /// </summary>
    public int ReconcileHistoryPages { get; set; } = 250;

    public Uri? NotifyUrl => PublicBaseUrl is null ? null : new Uri(PublicBaseUrl, "/api/billing/webhook");

    /// <summary>SPEC §10.6: a shorter cron secret stops start-up.</summary>
    public const int MinimumCronSecretLength = 32;

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
        if (c["BILLING_DUNNING_DAYS"] is { Length: > 0 } days)
        {
            var parts = days.Split(',', StringSplitOptions.TrimEntries);
            var parsed = parts.Select(p => int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var d) && d is >= 1 and <= 365 ? d : -1).ToList();
            if (parsed.Count != 5 || parsed.Contains(-1))
            {
                throw new Infrastructure.StartupException("BILLING_DUNNING_DAYS must be five whole numbers of days (1..365), e.g. 1,2,4,7,14");
            }
            o.DunningDays = parsed;
        }
        o.PaymentExpiryHours = Int(c["BILLING_PAYMENT_EXPIRY_HOURS"], "BILLING_PAYMENT_EXPIRY_HOURS", 1, 24 * 30) ?? o.PaymentExpiryHours;
        o.GatewayConcurrency = Int(c["BILLING_GATEWAY_CONCURRENCY"], "BILLING_GATEWAY_CONCURRENCY", 1, 256) ?? o.GatewayConcurrency;
        o.ReconcileHistoryPages = Int(c["BILLING_RECONCILE_HISTORY_PAGES"], "BILLING_RECONCILE_HISTORY_PAGES", 1, 100_000) ?? o.ReconcileHistoryPages;
        o.CallbackSignatureRequired = (c["IPAYMU_CALLBACK_SIGNATURE"] ?? "required").Trim().ToLowerInvariant() switch
        {
            "required" => true,
            "optional" => false,
            _ => throw new Infrastructure.StartupException("IPAYMU_CALLBACK_SIGNATURE must be 'required' or 'optional'"),
        };
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
