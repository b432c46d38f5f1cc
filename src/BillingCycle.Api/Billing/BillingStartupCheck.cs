using BillingCycle.IPaymu;
using Microsoft.Extensions.Options;

namespace BillingCycle.Api.Billing;

/// <summary>Names, at start-up, the settings whose absence disables part of the service (without printing secrets).</summary>
internal sealed partial class BillingStartupCheck(BillingOptions options, IOptions<IPaymuOptions> ipaymu,
    ILogger<BillingStartupCheck> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!ipaymu.Value.IsConfigured)
        {
            LogMissing(logger, "IPAYMU_VA / IPAYMU_API_KEY", "payments cannot be created and callbacks cannot be verified");
        }
        if (options.PublicBaseUrl is null || options.AppUrl is null)
        {
            LogMissing(logger, "PUBLIC_BASE_URL / APP_URL", "payments cannot be created (notifyUrl, returnUrl)");
        }
        if (options.CronSecret is null)
        {
            LogMissing(logger, "BILLING_CRON_SECRET", "renew, retry and test-clock answer 401 to everyone");
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Setting} is not set: {Effect}")]
    private static partial void LogMissing(ILogger logger, string setting, string effect);
}
