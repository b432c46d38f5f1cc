using BillingCycle.Api.Billing.Links;
using BillingCycle.Api.Billing.Renewal;
using BillingCycle.Api.Billing.Retry;
using BillingCycle.Api.Infrastructure.Auth;
using BillingCycle.Api.Infrastructure.Http;
using BillingCycle.Api.Jobs;

namespace BillingCycle.Api.Billing;

public static class BillingApi
{
    /// <summary>Renewal and retry: their jobs, the payment links they create, and the cron endpoints.</summary>
    public static IHostApplicationBuilder AddBilling(this IHostApplicationBuilder builder)
    {
        var options = BillingOptions.FromConfiguration(builder.Configuration);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(new CronSecret(options.CronSecret));
        builder.Services.AddSingleton<PaymentLinkStore>();
        builder.Services.AddSingleton<PaymentLinks>();
        builder.Services.AddSingleton<LinkPages>();
        builder.Services.AddSingleton<OrphanRecovery>();
        builder.Services.AddSingleton<RenewalStore>();
        builder.Services.AddSingleton<RetryStore>();
        builder.Services.AddSingleton<IBillingJobBody, RenewalJob>();
        builder.Services.AddSingleton<IBillingJobBody, RetryJob>();
        builder.Services.AddSingleton<CronSecretFilter>();
        builder.Services.AddHostedService<BillingStartupCheck>();
        builder.Services.AddHostedService<ServiceSettingsPublisher>();
        return builder;
    }

    public static IEndpointRouteBuilder MapBillingApi(this IEndpointRouteBuilder app)
    {
        // The cron endpoints: BILLING_CRON_SECRET as a bearer token, checked once for the group.
        var cron = app.MapGroup("/api/billing").WithTags("Billing jobs").AllowAnonymous().AddEndpointFilter<CronSecretFilter>()
            .WithMetadata(CronSecretMetadata.Instance);
        cron.MapPost("/renew", JobHandlers.Renew).WithName("runRenewal")
            .WithSummary("Run the renewal job now: invoice and request payment for every subscription due up to today.")
            .ProducesErrors(401, 409);
        cron.MapPost("/retry", JobHandlers.Retry).WithName("runRetry")
            .WithSummary("Run the retry job now: a new payment for every pending retry due up to today.")
            .ProducesErrors(401, 409);
        cron.MapPost("/housekeeping", JobHandlers.Housekeeping).WithName("runHousekeeping")
            .WithSummary("Run the housekeeping job now: expire unpaid checkouts, queue reminders, prune unverified callbacks.")
            .ProducesErrors(401, 409);
        cron.MapPost("/test-clock", TestClockHandlers.Move).WithName("moveTestClock")
            .WithSummary("Move the test clock forward (only with BILLING_TEST_CLOCK; never backwards).")
            .DocumentsJsonBody<ClockAnswer>()
            .ProducesErrors(400, 401, 404, 413, 415);
        cron.MapGet("/test-clock", TestClockHandlers.Get).WithName("getTestClock")
            .WithSummary("The test clock's current time (only with BILLING_TEST_CLOCK).")
            .ProducesErrors(401, 404);
        return app;
    }
}
