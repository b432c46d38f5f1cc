using BillingCycle.Api.Billing.Jobs;
using BillingCycle.Api.Billing.Renewal;
using BillingCycle.Api.Billing.Retry;
using BillingCycle.Api.Infrastructure.Alerts;
using BillingCycle.Api.Infrastructure.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BillingCycle.Api.Billing;

public static class BillingApi
{
    public static IHostApplicationBuilder AddBilling(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton(BillingOptions.FromConfiguration(builder.Configuration));
        builder.AddAlerts();
        builder.Services.AddSingleton<BillingStore>();
        builder.Services.AddSingleton<GatewaySlots>();
        builder.Services.AddSingleton<PaymentLinks>();
        builder.Services.AddSingleton<LatePaymentSweep>();
        builder.Services.AddSingleton<Reconciler>();
        builder.Services.AddSingleton<SubscriptionGuard>();
        builder.Services.AddSingleton<IBillingJobBody, RenewalJob>();
        builder.Services.AddSingleton<IBillingJobBody, RetryJob>();
        builder.Services.AddSingleton<JobRunner>();
        builder.Services.AddSingleton<CronSecretFilter>();
        builder.Services.AddHostedService<BillingStartupCheck>();
        return builder;
    }

    public static IEndpointRouteBuilder MapBillingApi(this IEndpointRouteBuilder app)
    {
        // The cron endpoints: BILLING_CRON_SECRET as a bearer token, checked once for the group.
        var cron = app.MapGroup("/api/billing").WithTags("Billing jobs").AllowAnonymous().AddEndpointFilter<CronSecretFilter>()
            .WithMetadata(CronSecretMetadata.Instance);
        cron.MapPost("/renew", Renew)
            .WithSummary("Run the renewal job now: invoice and request payment for every subscription due up to today.")
            .ProducesErrors(401, 409);
        cron.MapPost("/retry", Retry)
            .WithSummary("Run the retry job now: a new payment for every pending retry due up to today.")
            .ProducesErrors(401, 409);
        cron.MapPost("/test-clock", TestClockApi.Move)
            .WithSummary("Move the test clock forward (only with BILLING_TEST_CLOCK; never backwards).")
            .DocumentsJsonBody<ClockAnswer>()
            .ProducesErrors(400, 401, 404);
        cron.MapGet("/test-clock", TestClockApi.Get)
            .WithSummary("The test clock's current time (only with BILLING_TEST_CLOCK).")
            .ProducesErrors(401, 404);
        return app;
    }

    public static Task<Results<Ok<JobAnswer>, JsonHttpResult<ApiError>>> Renew(JobRunner runner) => RunAsync(runner, BillingJob.Renewal);

    public static Task<Results<Ok<JobAnswer>, JsonHttpResult<ApiError>>> Retry(JobRunner runner) => RunAsync(runner, BillingJob.Retry);

    private static async Task<Results<Ok<JobAnswer>, JsonHttpResult<ApiError>>> RunAsync(JobRunner runner, BillingJob job)
    {
        var answer = await runner.TryRunAsync(job, JobTrigger.Http);
        return answer is null
            ? Fail.With(409, $"A {JobRunner.Name(job)} run is already in progress", ErrorCodes.JobAlreadyRunning)
            : TypedResults.Ok(answer);
    }
}

/// <summary>Names, at start-up, the settings whose absence disables part of the service (without printing secrets).</summary>
internal sealed partial class BillingStartupCheck(BillingOptions options, Microsoft.Extensions.Options.IOptions<IPaymu.IPaymuOptions> ipaymu,
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
