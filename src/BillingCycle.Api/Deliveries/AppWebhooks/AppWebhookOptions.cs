using BillingCycle.Api.Infrastructure;

namespace BillingCycle.Api.Deliveries.AppWebhooks;

/// <summary>
/// Events to the web app (contract §8.4): APP_WEBHOOK_URL and APP_WEBHOOK_SECRET (whsec_ and the
/// base64 key, the Standard Webhooks format), parsed once at start-up. Both unset: no webhook is queued.
/// </summary>
public sealed class AppWebhookOptions
{
    public const string SecretPrefix = "whsec_";

    /// <summary>The receiver's time limit for one try (contract §8.4): no answer in 10 s is a failure.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public Uri? Url { get; init; }

    /// <summary>The whole whsec_… secret, as the Standard Webhooks library takes it. Never logged.</summary>
    public string? Secret { get; init; }

    public bool Enabled => Url is not null;

    public static AppWebhookOptions FromConfiguration(IConfiguration c, bool production)
    {
        var rawUrl = c["APP_WEBHOOK_URL"];
        var rawSecret = c["APP_WEBHOOK_SECRET"];
        if (string.IsNullOrWhiteSpace(rawUrl))
        {
            return string.IsNullOrWhiteSpace(rawSecret)
                ? new AppWebhookOptions()
                : throw new StartupException("APP_WEBHOOK_SECRET is set but APP_WEBHOOK_URL is not");
        }
        if (!Uri.TryCreate(rawUrl.Trim(), UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            throw new StartupException("APP_WEBHOOK_URL must be an absolute http(s) URL");
        }
        if (production && url.Scheme != Uri.UriSchemeHttps && !url.IsLoopback)
        {
            throw new StartupException("APP_WEBHOOK_URL must be https in Production");
        }
        var secret = rawSecret?.Trim();
        if (!IsValidSecret(secret))
        {
            throw new StartupException("APP_WEBHOOK_SECRET must be whsec_ followed by a base64 key of 24 to 64 bytes (required with APP_WEBHOOK_URL)");
        }
        return new AppWebhookOptions { Url = url, Secret = secret };
    }

    public static bool IsValidSecret(string? secret)
    {
        if (secret is null || !secret.StartsWith(SecretPrefix, StringComparison.Ordinal))
        {
            return false;
        }
        var key = new byte[128];
        return Convert.TryFromBase64String(secret[SecretPrefix.Length..], key, out var n) && n is >= 24 and <= 64;
    }
}
