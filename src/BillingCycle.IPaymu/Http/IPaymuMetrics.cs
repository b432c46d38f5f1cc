using System.Diagnostics.Metrics;

namespace BillingCycle.IPaymu.Http;

/// <summary>Gateway call duration by operation and outcome (ok, rejected, unavailable).</summary>
public static class IPaymuMetrics
{
    public const string MeterName = "BillingCycle.IPaymu";

    private static readonly Meter Meter = new(MeterName);

    public static readonly Histogram<double> CallDuration = Meter.CreateHistogram<double>(
        "ipaymu.call.duration", unit: "s", description: "Duration of iPaymu API calls, retries included");
}
