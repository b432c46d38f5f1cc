using BillingCycle.IPaymu.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;

namespace BillingCycle.IPaymu;

public static class ServiceCollectionExtensions
{
    /// <summary>
    /// The key of a second <see cref="IPaymuClient"/> (<c>[FromKeyedServices(ServiceCollectionExtensions.CallbacksClient)]</c>)
    /// with its own circuit breaker, for the check-transaction calls that callbacks trigger: a storm
    /// of callbacks can open that breaker without stopping the jobs' payment creation.
    /// </summary>
    public const string CallbacksClient = "ipaymu-callbacks";

    /// <summary>
    /// Registers <see cref="IPaymuClient"/> on IHttpClientFactory with its resilience pipeline
    /// (outer to inner): total time-out, retry with jittered exponential back-off for idempotent
    /// calls only, circuit breaker, per-attempt time-out; and the keyed <see cref="CallbacksClient"/>
    /// with the same pipeline but a breaker of its own.
    /// </summary>
    public static IHttpClientBuilder AddIPaymuClient(this IServiceCollection services, Action<IPaymuOptions> configure)
    {
        services.AddOptions<IPaymuOptions>().Configure(configure);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<IPaymuCircuit>();
        services.AddKeyedSingleton<IPaymuCircuit>(CallbacksClient);
        // Inside the pipeline: per attempt, under the attempt time-out, seen by the breaker.
        services.AddTransient<AnswerValidator>();

        var builder = services.AddHttpClient<IPaymuClient, IPaymuHttpClient>(http => http.Timeout = Timeout.InfiniteTimeSpan);
        builder.AddResilienceHandler("ipaymu", (pipeline, ctx) =>
            Build(pipeline, ctx.ServiceProvider.GetRequiredService<IOptions<IPaymuOptions>>().Value,
                ctx.ServiceProvider.GetRequiredService<IPaymuCircuit>()));
        builder.AddHttpMessageHandler<AnswerValidator>();

        var callbacks = services.AddHttpClient(CallbacksClient, http => http.Timeout = Timeout.InfiniteTimeSpan);
        callbacks.AddResilienceHandler(CallbacksClient, (pipeline, ctx) =>
            Build(pipeline, ctx.ServiceProvider.GetRequiredService<IOptions<IPaymuOptions>>().Value,
                ctx.ServiceProvider.GetRequiredKeyedService<IPaymuCircuit>(CallbacksClient)));
        callbacks.AddHttpMessageHandler<AnswerValidator>();
        services.AddKeyedTransient<IPaymuClient>(CallbacksClient, (sp, _) => new IPaymuHttpClient(
            sp.GetRequiredService<IHttpClientFactory>().CreateClient(CallbacksClient), sp.GetRequiredService<IOptions<IPaymuOptions>>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<IPaymuHttpClient>>()));
        return builder;
    }

    private static void Build(ResiliencePipelineBuilder<HttpResponseMessage> pipeline, IPaymuOptions o, IPaymuCircuit circuit) =>
        pipeline
            .AddTimeout(o.TotalTimeout)
            .AddRetry(new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = Math.Max(1, o.MaxRetries),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = o.RetryBaseDelay,
                ShouldHandle = args => ValueTask.FromResult(
                    o.MaxRetries > 0 && IsIdempotent(args.Context) && HttpClientResiliencePredicates.IsTransient(args.Outcome)),
            })
            .AddCircuitBreaker(new HttpCircuitBreakerStrategyOptions
            {
                FailureRatio = o.BreakerFailureRatio,
                MinimumThroughput = o.BreakerMinimumThroughput,
                SamplingDuration = o.BreakerSamplingDuration,
                BreakDuration = o.BreakerBreakDuration,
                StateProvider = circuit.Provider,
            })
            .AddTimeout(o.AttemptTimeout);

    private static bool IsIdempotent(ResilienceContext context) =>
        context.GetRequestMessage() is { } request
        && request.Options.TryGetValue(IPaymuHttpClient.Idempotent, out var idempotent) && idempotent;
}
