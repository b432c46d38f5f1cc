using System.Net.Http.Json;
using System.Threading.Channels;
using BillingCycle.Api.Infrastructure.Time;

namespace BillingCycle.Api.Infrastructure.Alerts;

/// <summary>An alert for operators: {title, data, timestamp}, as the seed's monitoring webhook took it.</summary>
public sealed record Alert(string Title, object? Data, DateTimeOffset Timestamp);

/// <summary>
/// Raises alerts without ever blocking or failing the caller: each is logged at once and queued;
/// a background loop POSTs it to MONITORING_WEBHOOK_URL with a short time-out.
/// </summary>
public sealed partial class AlertSender(BillingClock clock, ILogger<AlertSender> logger)
{
    private readonly Channel<Alert> _queue = Channel.CreateBounded<Alert>(
        new BoundedChannelOptions(1_000) { FullMode = BoundedChannelFullMode.DropOldest });

    public ChannelReader<Alert> Queue => _queue.Reader;

    public void Raise(string title, object? data)
    {
        LogAlert(logger, title);
        _queue.Writer.TryWrite(new Alert(title, data, clock.UtcNow));
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "ALERT: {Title}")]
    private static partial void LogAlert(ILogger logger, string title);
}

internal sealed partial class AlertDelivery(AlertSender sender, IHttpClientFactory http, IConfiguration config, ILogger<AlertDelivery> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var url = config["MONITORING_WEBHOOK_URL"];
        await foreach (var alert in sender.Queue.ReadAllAsync(stoppingToken))
        {
            if (string.IsNullOrWhiteSpace(url))
            {
                continue;
            }
            try
            {
                using var cts = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                cts.CancelAfter(TimeSpan.FromSeconds(5));
                using var res = await http.CreateClient("alerts").PostAsJsonAsync(new Uri(url), alert, cts.Token);
                if (!res.IsSuccessStatusCode)
                {
                    LogFailed(logger, alert.Title, $"HTTP {(int)res.StatusCode}");
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or UriFormatException)
            {
                LogFailed(logger, alert.Title, ex.GetType().Name);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Alert '{Title}' could not be delivered: {Reason}")]
    private static partial void LogFailed(ILogger logger, string title, string reason);
}

public static class AlertExtensions
{
    public static IHostApplicationBuilder AddAlerts(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<AlertSender>();
        builder.Services.AddHostedService<AlertDelivery>();
        builder.Services.AddHttpClient("alerts", c => c.Timeout = TimeSpan.FromSeconds(5));
        return builder;
    }
}
