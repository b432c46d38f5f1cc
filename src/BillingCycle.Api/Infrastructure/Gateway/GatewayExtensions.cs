using System.Globalization;
using BillingCycle.IPaymu;

namespace BillingCycle.Api.Infrastructure.Gateway;

public static class GatewayExtensions
{
    /// <summary>
    /// Every iPaymu setting, parsed here and only here: the client (IPAYMU_VA, IPAYMU_API_KEY,
    /// IPAYMU_SANDBOX, IPAYMU_BASE_URL, the IPaymu__* resilience section), how callbacks are
    /// trusted (IPAYMU_CALLBACK_SIGNATURE) and how many calls run at once (BILLING_GATEWAY_CONCURRENCY).
    /// </summary>
    public static IHostApplicationBuilder AddGateway(this IHostApplicationBuilder builder)
    {
        var c = builder.Configuration;
        Uri? baseUrl = null;
        if (c["IPAYMU_BASE_URL"] is { Length: > 0 } raw)
        {
            if (!Uri.TryCreate(raw.Trim(), UriKind.Absolute, out baseUrl)
                || (baseUrl.Scheme != Uri.UriSchemeHttp && baseUrl.Scheme != Uri.UriSchemeHttps)
                || baseUrl.AbsolutePath != "/")
            {
                throw new StartupException("IPAYMU_BASE_URL must be scheme, host and port only, e.g. http://127.0.0.1:9300");
            }
        }
        var sandbox = c["IPAYMU_SANDBOX"] is { Length: > 0 } s
            ? s.Trim().ToLowerInvariant() switch
            {
                "true" or "1" => true,
                "false" or "0" => false,
                _ => throw new StartupException("IPAYMU_SANDBOX must be true or false"),
            }
            : false;
        var options = new GatewayOptions
        {
            Concurrency = ParseConcurrency(c["BILLING_GATEWAY_CONCURRENCY"]),
            CallbackSignatureRequired = (c["IPAYMU_CALLBACK_SIGNATURE"] ?? "required").Trim().ToLowerInvariant() switch
            {
                "required" => true,
                "optional" => false,
                _ => throw new StartupException("IPAYMU_CALLBACK_SIGNATURE must be 'required' or 'optional'"),
            },
        };

        builder.Services.AddIPaymuClient(o =>
        {
            c.GetSection("IPaymu").Bind(o);
            o.Va = string.IsNullOrWhiteSpace(c["IPAYMU_VA"]) ? o.Va : c["IPAYMU_VA"]!.Trim();
            o.ApiKey = string.IsNullOrWhiteSpace(c["IPAYMU_API_KEY"]) ? o.ApiKey : c["IPAYMU_API_KEY"]!.Trim();
            o.Sandbox = sandbox;
            o.BaseUrl = baseUrl ?? o.BaseUrl;
        });
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<GatewaySlots>();
        builder.Services.AddSingleton<CallbackCheckSlots>();
        return builder;
    }

    private static int ParseConcurrency(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return 8;
        }
        return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v is >= 1 and <= 256
            ? v
            : throw new StartupException("BILLING_GATEWAY_CONCURRENCY must be a whole number from 1 to 256");
    }
}
