using BillingCycle.IPaymu.Http;
using OpenTelemetry.Metrics;

namespace BillingCycle.Api.Infrastructure.Observability;

public static class MetricsExtensions
{
    /// <summary>OpenTelemetry metrics, exported in Prometheus text at /metrics (contract §6.8).</summary>
    public static IHostApplicationBuilder AddBillingMetrics(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOpenTelemetry().WithMetrics(m => m
            .AddMeter(BillingMetrics.MeterName, IPaymuMetrics.MeterName, "Npgsql")
            .AddAspNetCoreInstrumentation()
            .AddHttpClientInstrumentation()
            .AddRuntimeInstrumentation()
            .AddPrometheusExporter());
        return builder;
    }
}
