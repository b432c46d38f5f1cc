using System.Security.Cryptography;
using System.Text;
using BillingCycle.Api.Infrastructure.Http;

namespace BillingCycle.Api.Infrastructure.Auth;

/// <summary>
/// Guards the cron endpoints with Authorization: Bearer BILLING_CRON_SECRET, compared in constant
/// time (over SHA-256 digests, so even the length does not leak). No secret configured: 401 for all.
/// The secret is parsed with the billing settings (BillingOptions); this filter only compares, so
/// every feature with a cron endpoint can use it without knowing about billing.
/// </summary>
public sealed class CronSecretFilter(CronSecret secret) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (!Matches(secret.Value, context.HttpContext.Request.Headers.Authorization.ToString()))
        {
            return Fail.With(401, "Unauthorized", ErrorCodes.Unauthorized);
        }
        return await next(context);
    }

    public static bool Matches(string? secret, string? authorization)
    {
        if (string.IsNullOrEmpty(secret) || authorization is null
            || !authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        var given = SHA256.HashData(Encoding.UTF8.GetBytes(authorization[7..].Trim()));
        var expected = SHA256.HashData(Encoding.UTF8.GetBytes(secret));
        return CryptographicOperations.FixedTimeEquals(given, expected);
    }
}

/// <summary>BILLING_CRON_SECRET as parsed at start-up; null when unset (every cron endpoint answers 401).</summary>
public sealed record CronSecret(string? Value)
{
    /// <summary>The shortest bearer secret start-up accepts, for the cron secret and the events feed's alike.</summary>
    public const int MinimumLength = 32;
}
