using BillingCycle.Api.Infrastructure.Time;
using Npgsql;

namespace BillingCycle.Api.Deliveries.Email;

/// <summary>
/// Copies the in-app notification texts of the service's locale (BILLING_LOCALE, contract §8.2)
/// from the email template files into notification_texts, with the locale and its month names in
/// service_settings (with the customers' time zone, BILLING_TIME_ZONE), so that notify() (db/functions/notify.sql) writes each notification's title
/// and message in the transaction of its state change, in the words of its email. Before the
/// service takes requests, as ServiceSettingsPublisher does; a database that is away then is
/// tried again every 30 s. Several instances write the same rows.
/// </summary>
internal sealed partial class NotificationTextPublisher(
    NpgsqlDataSource db, EmailRenderer renderer, EmailOptions options, CustomerTime zone, ILogger<NotificationTextPublisher> logger)
    : BackgroundService
{
    private bool _published;

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
        while (!_published && !stoppingToken.IsCancellationRequested)
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
        var texts = renderer.NotificationTexts(options.Locale);
        var months = Enumerable.Range(1, 12)
            .Select(m => LocaleFormat.Date(new DateTimeOffset(2000, m, 15, 0, 0, 0, TimeSpan.Zero), options.Locale, zone).Split(' ')[1]);
        // One batch, one transaction: notify() never sees half of a locale's texts.
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await using var batch = new NpgsqlBatch(conn, tx);
        var gone = new NpgsqlBatchCommand("""
            DELETE FROM notification_texts
             WHERE (type, variant) NOT IN (SELECT t, v FROM unnest($1::text[], $2::text[]) AS u(t, v))
            """);
        gone.Parameters.Add(new() { Value = texts.Select(t => t.Type).ToArray() });
        gone.Parameters.Add(new() { Value = texts.Select(t => t.Variant).ToArray() });
        var upsert = new NpgsqlBatchCommand("""
            INSERT INTO notification_texts (type, variant, title, message, updated_at)
            SELECT t, v, ti, m, now() FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS u(t, v, ti, m)
            ON CONFLICT (type, variant) DO UPDATE
               SET title = excluded.title, message = excluded.message, updated_at = excluded.updated_at
             WHERE (notification_texts.title, notification_texts.message) IS DISTINCT FROM (excluded.title, excluded.message)
            """);
        upsert.Parameters.Add(new() { Value = texts.Select(t => t.Type).ToArray() });
        upsert.Parameters.Add(new() { Value = texts.Select(t => t.Variant).ToArray() });
        upsert.Parameters.Add(new() { Value = texts.Select(t => t.Title).ToArray() });
        upsert.Parameters.Add(new() { Value = texts.Select(t => t.Message).ToArray() });
        var settings = new NpgsqlBatchCommand("""
            INSERT INTO service_settings (name, value, updated_at)
            VALUES ('locale', $1, now()), ('month_names', $2, now()), ('time_zone', $3, now())
            ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
             WHERE service_settings.value IS DISTINCT FROM excluded.value
            """);
        settings.Parameters.Add(new() { Value = options.Locale == EmailLocale.Indonesian ? "id" : "en" });
        settings.Parameters.Add(new() { Value = string.Join(',', months) });
        settings.Parameters.Add(new() { Value = zone.Zone.Id }); // notify_date writes dates in the customer's zone
        batch.BatchCommands.Add(gone);
        batch.BatchCommands.Add(upsert);
        batch.BatchCommands.Add(settings);
        await batch.ExecuteNonQueryAsync(ct);
        await tx.CommitAsync(ct);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not write notification_texts yet ({Error}); retrying every 30 s. Until then notifications are titled by their type")]
    private static partial void LogNotYet(ILogger logger, string error);
}
