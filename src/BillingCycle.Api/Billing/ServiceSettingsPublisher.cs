using Npgsql;

namespace BillingCycle.Api.Billing;

/// <summary>
/// Writes the settings SQL needs as well (service_settings): PUBLIC_BASE_URL, from which
/// notifications get their pay-page link (db/functions/notifications.sql). In the background, so
/// a database that is away at start-up delays it instead of stopping the service; until it is
/// written, notifications carry no invoice_url. Several instances write the same value.
/// </summary>
internal sealed partial class ServiceSettingsPublisher(NpgsqlDataSource db, BillingOptions options, ILogger<ServiceSettingsPublisher> logger)
    : BackgroundService
{
    private bool _published;

    /// <summary>The first try is made before the service takes requests, so the value is there from the start.</summary>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await PublishAsync(cancellationToken);
            _published = true;
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException)
        {
            LogNotYet(logger, ex.GetType().Name);
        }
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        for (var attempt = 2; !_published && !stoppingToken.IsCancellationRequested; attempt++)
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(30), stoppingToken); // transport time, not billing time
                await PublishAsync(stoppingToken);
                _published = true;
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException)
            {
                // Still away; the first failure was logged.
            }
        }
    }

    private async Task PublishAsync(CancellationToken ct)
    {
        await using var cmd = db.CreateCommand(options.PublicBaseUrl is null
            ? "DELETE FROM service_settings WHERE name = 'public_base_url'"
            : """
              INSERT INTO service_settings (name, value, updated_at) VALUES ('public_base_url', $1, now())
              ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
              """);
        if (options.PublicBaseUrl is { } url)
        {
            cmd.Parameters.Add(new() { Value = url.ToString().TrimEnd('/') });
        }
        await cmd.ExecuteNonQueryAsync(ct);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not write service_settings yet ({Error}); retrying every 30 s. Until then notifications carry no invoice_url")]
    private static partial void LogNotYet(ILogger logger, string error);
}
