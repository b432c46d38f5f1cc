using BillingCycle.Api.Infrastructure;
using BillingCycle.Api.Infrastructure.Auth;
using BillingCycle.Api.Infrastructure.Http;

namespace BillingCycle.Api.Deliveries;

/// <summary>
/// BILLING_EVENTS_SECRET: the one credential of GET /api/billing/events, read-only, and never the
/// cron secret (that one also renews, retries and moves the test clock; an app that only reads
/// events should not hold it). Unset: the feed answers 401 to everyone.
/// </summary>
public sealed record EventsSecret(string? Value)
{
    public static EventsSecret FromConfiguration(IConfiguration c)
    {
        if (c["BILLING_EVENTS_SECRET"] is not { Length: > 0 } raw)
        {
            return new EventsSecret((string?)null);
        }
        var secret = raw.Trim();
        if (secret.Length < CronSecret.MinimumLength)
        {
            throw new StartupException($"BILLING_EVENTS_SECRET must be at least {CronSecret.MinimumLength} characters");
        }
        if (string.Equals(secret, c["BILLING_CRON_SECRET"]?.Trim(), StringComparison.Ordinal))
        {
            throw new StartupException("BILLING_EVENTS_SECRET must differ from BILLING_CRON_SECRET (the feed gets its own, read-only secret)");
        }
        return new EventsSecret(secret);
    }
}

/// <summary>Authorization: Bearer BILLING_EVENTS_SECRET, compared in constant time; 401 otherwise.</summary>
public sealed class EventsSecretFilter(EventsSecret secret) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next) =>
        CronSecretFilter.Matches(secret.Value, context.HttpContext.Request.Headers.Authorization.ToString())
            ? await next(context)
            : Fail.With(401, "Unauthorized", ErrorCodes.Unauthorized);
}
