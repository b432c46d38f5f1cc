using System.Globalization;
using System.Threading.RateLimiting;

namespace BillingCycle.Api.Infrastructure.Http;

/// <summary>
/// Per-client-IP limits on the endpoints anyone can reach without a credential (SPEC §10.4):
/// BILLING_RATE_LIMIT_PER_MINUTE requests a minute per address, then 429 RATE_LIMITED. The
/// address is the connection's; behind a proxy, configure forwarded headers so it is the client's.
/// </summary>
public static class RateLimits
{
    public const string PerClientIp = "per-client-ip";

    public static IHostApplicationBuilder AddRateLimits(this IHostApplicationBuilder builder)
    {
        var perMinute = 120;
        if (builder.Configuration["BILLING_RATE_LIMIT_PER_MINUTE"] is { Length: > 0 } raw)
        {
            perMinute = int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 1_000_000
                ? n
                : throw new StartupException("BILLING_RATE_LIMIT_PER_MINUTE must be a whole number from 1 to 1000000");
        }
        builder.Services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = async (ctx, ct) =>
            {
                ctx.HttpContext.Response.Headers.RetryAfter = "60";
                await ctx.HttpContext.Response.WriteAsJsonAsync(
                    new ApiError("Too many requests from this address; try again in a minute", ErrorCodes.RateLimited), ct);
            };
            o.AddPolicy(PerClientIp, http => RateLimitPartition.GetFixedWindowLimiter(
                http.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = perMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
        });
        return builder;
    }
}
