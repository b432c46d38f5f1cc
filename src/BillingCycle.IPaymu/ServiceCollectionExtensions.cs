using BillingCycle.IPaymu.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;

namespace BillingCycle.IPaymu;

public static class ServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IPaymuClient"/> on IHttpClientFactory with its resilience pipeline
    /// (outer to inner): total time-out, retry with jittered exponential back-off for idempotent
    /// calls only, circuit breaker, per-attempt time-out.
    /// </summary>
    public static IHttpClientBuilder AddIPaymuClient(this IServiceCollection services, Action<IPaymuOptions> configure)
    {
        services.AddOptions<IPaymuOptions>().Configure(configure);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<IPaymuCircuit>();
        var builder = services.AddHttpClient<IPaymuClient, IPaymuHttpClient>(http =>
            http.Timeout = Timeout.InfiniteTimeSpan);
        builder.AddResilienceHandler("ipaymu", (pipeline, ctx) =>
        {
            var o = ctx.ServiceProvider.GetRequiredService<IOptions<IPaymuOptions>>().Value;
            var circuit = ctx.ServiceProvider.GetRequiredService<IPaymuCircuit>();
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
        });
        // Inside the pipeline: per attempt, under the attempt time-out, seen by the breaker.
        services.AddTransient<AnswerValidator>();
        builder.AddHttpMessageHandler<AnswerValidator>();
        return builder;
    }

    private static bool IsIdempotent(ResilienceContext context) =>
        context.GetRequestMessage() is { } request
        && request.Options.TryGetValue(IPaymuHttpClient.Idempotent, out var idempotent) && idempotent;
}
