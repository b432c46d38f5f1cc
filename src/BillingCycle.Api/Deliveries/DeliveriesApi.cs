using BillingCycle.Api.Deliveries.AppWebhooks;
using BillingCycle.Api.Deliveries.Email;
using BillingCycle.Api.Deliveries.Reminders;
using BillingCycle.Api.Infrastructure.Auth;
using BillingCycle.Api.Infrastructure.Http;

namespace BillingCycle.Api.Deliveries;

public static class DeliveriesApi
{
    /// <summary>
    /// Reaching the customer (contract §8): the outbox worker, email through SMTP, events to the web
    /// app, the reminders the housekeeping job queues, and the events catch-up endpoint. Every
    /// setting is parsed here, once, at start-up; email templates are parsed too.
    /// </summary>
    public static IHostApplicationBuilder AddDeliveries(this IHostApplicationBuilder builder)
    {
        var c = builder.Configuration;
        builder.Services.AddSingleton(DeliveryOptions.FromConfiguration(c));
        builder.Services.AddSingleton(EmailOptions.FromConfiguration(c, builder.Environment.IsProduction()));
        builder.Services.AddSingleton(AppWebhookOptions.FromConfiguration(c, builder.Environment.IsProduction()));
        builder.Services.AddSingleton(ReminderOptions.FromConfiguration(c));
        builder.Services.AddSingleton(EmailRenderer.LoadEmbedded());
        builder.Services.AddSingleton<EmailSender>();
        builder.Services.AddSingleton<AppWebhookSender>();
        builder.Services.AddSingleton<DeliveryStore>();
        builder.Services.AddSingleton<DeliveryDispatcher>();
        builder.Services.AddSingleton<EventLog>();
        builder.Services.AddSingleton(EventsSecret.FromConfiguration(c));
        builder.Services.AddSingleton<EventsSecretFilter>();
        builder.Services.AddSingleton<ReminderQueue>();
        builder.Services.AddSingleton<Console.Seams.IDeliveryConsole, ConsoleOutbox>();
        builder.Services.AddHostedService<NotificationTextPublisher>();
        builder.Services.AddHostedService<DeliveryWorker>();
        // Redirects are not followed: a 3xx is not a delivery. The 10 s limit is per try (AppWebhookSender).
        builder.Services.AddHttpClient(AppWebhookSender.HttpClientName, h => h.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false });
        return builder;
    }

    public static IEndpointRouteBuilder MapDeliveriesApi(this IEndpointRouteBuilder app)
    {
        var events = app.MapGroup("/api/billing").WithTags("Events").AllowAnonymous().AddEndpointFilter<EventsSecretFilter>()
            .WithMetadata(EventsSecretMetadata.Instance);
        events.MapGet("/events", EventHandlers.List).WithName("listEvents")
            .WithSummary("Events for the web app after the one named by after (oldest first): to catch up on webhooks it missed.")
            .ProducesErrors(400, 401, 404);
        return app;
    }
}
