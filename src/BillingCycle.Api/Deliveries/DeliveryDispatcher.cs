using BillingCycle.Api.Deliveries.AppWebhooks;
using BillingCycle.Api.Deliveries.Email;
using BillingCycle.Api.Infrastructure.Alerts;
using BillingCycle.Api.Infrastructure.Time;

namespace BillingCycle.Api.Deliveries;

/// <summary>
/// One pass of the delivery worker: <see cref="DeliveryOptions.Concurrency"/> lanes, each claiming
/// small batches of due rows (SKIP LOCKED, leased) and sending them one by one, until nothing is
/// due. Each result is recorded at once: sent, tried again on the channel's schedule, skipped, or
/// dead with one alert. Any number of passes may run at once, in this instance or others. When a
/// row is due again (its back-off, its lease) is transport time, real even under a frozen test
/// clock (contract §6.9); what is written about it (sent_at, updated_at) is billing time.
/// </summary>
public sealed partial class DeliveryDispatcher(
    DeliveryStore store, DeliveryOptions options, EmailOptions emailOptions, AppWebhookOptions webhookOptions,
    EmailSender email, AppWebhookSender webhooks, BillingClock clock, TransportClock transport, AlertSender alerts, ILogger<DeliveryDispatcher> logger)
{
    /// <summary>A pass stops after this many claims per lane, so one tick never runs unbounded.</summary>
    private const int MaxBatchesPerLane = 200;

    /// <summary>The channels this instance can send: an instance without SMTP_URL never claims an email.</summary>
    public IReadOnlyList<DeliveryChannel> Channels { get; } =
        [.. emailOptions.Enabled ? [DeliveryChannel.Email] : Array.Empty<DeliveryChannel>(),
         .. webhookOptions.Enabled ? [DeliveryChannel.Webhook] : Array.Empty<DeliveryChannel>()];

    /// <summary>Sends everything due now; returns how many tries were made.</summary>
    public async Task<int> RunOnceAsync(CancellationToken stopping)
    {
        if (Channels.Count == 0)
        {
            return 0;
        }
        await using var smtp = emailOptions.Enabled ? email.OpenSession() : null;
        var lanes = Enumerable.Range(0, options.Concurrency).Select(_ => LaneAsync(smtp, stopping));
        var tries = (await Task.WhenAll(lanes)).Sum();
        return tries;
    }

    private async Task<int> LaneAsync(SmtpSession? smtp, CancellationToken stopping)
    {
        var tries = 0;
        for (var batch = 0; batch < MaxBatchesPerLane && !stopping.IsCancellationRequested; batch++)
        {
            var claimed = await store.ClaimAsync(Channels, transport.UtcNow, options.Lease, options.BatchSize, CancellationToken.None);
            if (claimed.Count == 0)
            {
                break;
            }
            // What is claimed is sent even while the host stops: a row left leased would wait for its lease.
            foreach (var d in claimed)
            {
                await DeliverAsync(d, smtp);
                tries++;
            }
        }
        return tries;
    }

    private async Task DeliverAsync(DeliveryItem d, SmtpSession? smtp)
    {
        SendResult result;
        try
        {
            result = d switch
            {
                { Email: { } n } => await email.SendAsync(smtp!, d, n),
                { Event: { } e } => await webhooks.SendAsync(e),
                _ => SendResult.Skipped("its notification or event no longer exists"),
            };
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A bug in rendering or composing must not lose the row: it is tried again, then dead with an alert.
            LogSendCrashed(logger, ex, d.Id);
            result = SendResult.Failed($"{ex.GetType().Name} while preparing the message");
        }
        await RecordAsync(d, result);
    }

    private async Task RecordAsync(DeliveryItem d, SendResult result)
    {
        var now = clock.UtcNow;
        switch (result.Outcome)
        {
            case SendOutcome.Sent:
                await store.MarkSentAsync(d, now);
                DeliveryMetrics.Count(d.Channel, "sent");
                break;
            case SendOutcome.Skipped:
                await store.MarkSkippedAsync(d, now, result.Detail!);
                DeliveryMetrics.Count(d.Channel, "skipped");
                break;
            case SendOutcome.Failed when RetrySchedule.After(d.Channel, d.Attempts) is { } wait:
                await store.MarkRetryAsync(d, now, result.Detail!, transport.UtcNow + wait);
                DeliveryMetrics.Count(d.Channel, "retried");
                LogRetry(logger, d.Channel.Name(), d.Id, d.Attempts, result.Detail!);
                break;
            default:
                if (await store.MarkDeadAsync(d, now, result.Detail!))
                {
                    DeliveryMetrics.Count(d.Channel, "dead");
                    alerts.Raise($"Delivery dead: {d.Channel.Name()} after {d.Attempts} tr{(d.Attempts == 1 ? "y" : "ies")}", new
                    {
                        delivery_id = d.Id,
                        channel = d.Channel.Name(),
                        attempts = d.Attempts,
                        notification_id = d.Email?.NotificationId,
                        notification_type = d.Email?.Type,
                        event_id = d.Event?.EventId,
                        event_type = d.Event?.Type,
                        error = result.Detail,
                    });
                }
                break;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delivery {Channel} {DeliveryId} try {Attempts} failed, tried again later: {Error}")]
    private static partial void LogRetry(ILogger logger, string channel, Guid deliveryId, int attempts, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Delivery {DeliveryId} could not be prepared")]
    private static partial void LogSendCrashed(ILogger logger, Exception ex, Guid deliveryId);
}
