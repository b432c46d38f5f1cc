using System.Globalization;
using System.Net;
using System.Threading.RateLimiting;
using BillingCycle.Api.Infrastructure.Auth;
using Microsoft.AspNetCore.HttpOverrides;

namespace BillingCycle.Api.Infrastructure.Http;

/// <summary>
/// Rate limits (contract §10.4), each its own bucket of BILLING_RATE_LIMIT_PER_MINUTE a minute,
/// then 429 RATE_LIMITED: the pay pages per client address; authenticated writes and PDFs per
/// user; on the webhook only callbacks without a valid signature, per address
/// (<see cref="UnverifiedCallbackLimit"/>): iPaymu sends every callback from a few addresses, so a
/// signed callback never waits for a bucket, and a flood of pay-page requests from the same
/// address as iPaymu (a shared proxy) never reaches the callbacks. The client address is the
/// connection's, or the forwarded one when the connection comes from BILLING_KNOWN_PROXIES.
/// </summary>
public static class RateLimits
{
    public const string PayPages = "pay-pages";
    public const string PerUser = "per-user";

    public static IHostApplicationBuilder AddRateLimits(this IHostApplicationBuilder builder)
    {
        var perMinute = 120;
        if (builder.Configuration["BILLING_RATE_LIMIT_PER_MINUTE"] is { Length: > 0 } raw)
        {
            perMinute = int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 1_000_000
                ? n
                : throw new StartupException("BILLING_RATE_LIMIT_PER_MINUTE must be a whole number from 1 to 1000000");
        }
        var proxies = new KnownProxyList(KnownProxies(builder.Configuration["BILLING_KNOWN_PROXIES"]));
        builder.Services.AddSingleton(proxies);
        if (proxies.Networks.Count > 0)
        {
            // Only these: the framework's loopback defaults go. (With both lists empty the middleware
            // would believe every sender, hence no middleware at all without the setting.)
            builder.Services.Configure<ForwardedHeadersOptions>(o =>
            {
                o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
                o.KnownProxies.Clear();
                o.KnownIPNetworks.Clear();
                foreach (var p in proxies.Networks)
                {
                    o.KnownIPNetworks.Add(p);
                }
            });
        }
        builder.Services.AddSingleton(new UnverifiedCallbackLimit(perMinute));
        builder.Services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = async (ctx, ct) =>
            {
                ctx.HttpContext.Response.Headers.RetryAfter = "60";
                await ctx.HttpContext.Response.WriteAsJsonAsync(
                    new ApiError("Too many requests; try again in a minute", ErrorCodes.RateLimited), ct);
            };
            o.AddPolicy(PayPages, http => Window(ClientAddress(http), perMinute));
            // Admins are the web app's server and the operators acting for many users: not one user's bucket.
            o.AddPolicy(PerUser, http => http.User.FindFirst("sub")?.Value is { } sub
                ? http.User.IsBillingAdmin() ? RateLimitPartition.GetNoLimiter("admin") : Window("user:" + sub, perMinute)
                : Window(ClientAddress(http), perMinute));
        });
        return builder;
    }

    /// <summary>The forwarded headers, honoured only when BILLING_KNOWN_PROXIES names the sender.</summary>
    public static WebApplication UseKnownProxies(this WebApplication app)
    {
        if (app.Services.GetRequiredService<KnownProxyList>().Networks.Count > 0)
        {
            app.UseForwardedHeaders();
        }
        return app;
    }

    public static string ClientAddress(HttpContext http) => http.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    private static RateLimitPartition<string> Window(string key, int perMinute) => RateLimitPartition.GetFixedWindowLimiter(
        key, _ => new FixedWindowRateLimiterOptions { PermitLimit = perMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 });

    /// <summary>Comma-separated addresses or CIDR networks (10.0.0.0/8, ::1); anything else stops start-up.</summary>
    internal static IReadOnlyList<System.Net.IPNetwork> KnownProxies(string? raw)
    {
        var list = new List<System.Net.IPNetwork>();
        foreach (var item in (raw ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (System.Net.IPNetwork.TryParse(item, out var network))
            {
                list.Add(network);
            }
            else if (IPAddress.TryParse(item, out var address))
            {
                list.Add(new System.Net.IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128));
            }
            else
            {
                throw new StartupException($"BILLING_KNOWN_PROXIES: '{item}' is not an IP address or CIDR network");
            }
        }
        return list;
    }
}

/// <summary>BILLING_KNOWN_PROXIES as parsed: empty means no forwarded header is believed.</summary>
public sealed record KnownProxyList(IReadOnlyList<System.Net.IPNetwork> Networks);

/// <summary>
/// The webhook's bucket: counts only callbacks whose signature is missing or invalid (or that
/// cannot be read), per client address. Asked by the callback processor once it knows the
/// signature, before anything is stored; a validly signed callback never asks.
/// </summary>
public sealed class UnverifiedCallbackLimit(int perMinute) : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter = PartitionedRateLimiter.Create<string, string>(key =>
        RateLimitPartition.GetFixedWindowLimiter(key, _ =>
            new FixedWindowRateLimiterOptions { PermitLimit = perMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));

    /// <summary>True when this unverified callback is within the address's allowance.</summary>
    public bool TryCount(string clientAddress)
    {
        using var lease = _limiter.AttemptAcquire(clientAddress);
        return lease.IsAcquired;
    }

    public void Dispose() => _limiter.Dispose();
}
