using BillingCycle.Api.Deliveries.AppWebhooks;
using BillingCycle.Api.Deliveries.Email;
using BillingCycle.Api.Infrastructure.Time;
using Npgsql;

namespace BillingCycle.Api.Deliveries;

/// <summary>
/// The delivery worker of every instance (contract §8.1): at start-up it tells the database which
/// channels this deployment sends on (and says so once in the log), then every
/// BILLING_DELIVERY_INTERVAL (real time) it runs a pass of the dispatcher and refreshes the gauges.
/// A pass that fails (database away) is logged and the next tick tries again; nothing is lost,
/// because the rows stay in the outbox.
/// </summary>
public sealed partial class DeliveryWorker(
    DeliveryDispatcher dispatcher, DeliveryStore store, DeliveryOptions options, EmailOptions email,
    AppWebhookOptions webhooks, BillingClock clock, ILogger<DeliveryWorker> logger) : BackgroundService
{
    private bool _channelsWritten;

    /// <summary>
    /// The channels are written before the host starts serving (after the migrations), so a
    /// notification written by a request is queued or not by this instance's own settings. If the
    /// database cannot be reached now, the loop writes them on its first successful pass.
    /// </summary>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await store.WriteChannelsAsync(email.Enabled, webhooks.Enabled, clock.UtcNow, cancellationToken);
            _channelsWritten = true;
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            LogPassFailed(logger, ex.GetType().Name, ex.Message.Split('\n')[0]);
        }
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (email.Smtp is { } smtp)
        {
            LogEmailOn(logger, smtp.Describe(), email.From!.Address, email.Locale == EmailLocale.Indonesian ? "id" : "en");
        }
        else
        {
            LogEmailOff(logger);
        }
        if (webhooks.Url is { } url)
        {
            LogWebhooksOn(logger, $"{url.Scheme}://{url.Authority}{url.AbsolutePath}");
        }
        else
        {
            LogWebhooksOff(logger);
        }

        using var timer = new PeriodicTimer(options.Interval);
        do
        {
            try
            {
                if (!_channelsWritten)
                {
                    await store.WriteChannelsAsync(email.Enabled, webhooks.Enabled, clock.UtcNow, stoppingToken);
                    _channelsWritten = true;
                }
                await dispatcher.RunOnceAsync(stoppingToken);
                DeliveryMetrics.Observe(await store.StatsAsync(stoppingToken), clock.UtcNow);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // The database away, or a bug: never let it stop the host; the rows wait in the outbox.
                LogPassFailed(logger, ex.GetType().Name, ex is NpgsqlException or TimeoutException ? ex.Message.Split('\n')[0] : "see the exception");
            }
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken ct)
    {
        try
        {
            return await timer.WaitForNextTickAsync(ct);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Email: sent through {Smtp} from {From}, locale {Locale}")]
    private static partial void LogEmailOn(ILogger logger, string smtp, string from, string locale);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Email: SMTP_URL is not set, so no email is queued for notifications")]
    private static partial void LogEmailOff(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "App webhooks: events are posted to {Url}")]
    private static partial void LogWebhooksOn(ILogger logger, string url);

    [LoggerMessage(Level = LogLevel.Information, Message = "App webhooks: APP_WEBHOOK_URL is not set, so no event is posted (they stay readable at GET /api/billing/events)")]
    private static partial void LogWebhooksOff(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delivery pass failed ({Error}: {Message}); the next tick tries again")]
    private static partial void LogPassFailed(ILogger logger, string error, string message);
}
