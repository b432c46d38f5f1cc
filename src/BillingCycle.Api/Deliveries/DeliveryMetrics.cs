using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using BillingCycle.Api.Infrastructure.Observability;

namespace BillingCycle.Api.Deliveries;

/// <summary>
/// Delivery instruments (contract §8.1), exported at /metrics with the service's own meter:
/// billing_deliveries_total{channel, result} (sent, retried, dead, skipped), and the gauges
/// billing_deliveries_pending, billing_deliveries_dead and billing_deliveries_oldest_pending_age_seconds,
/// refreshed by the worker on each pass (a scrape never queries the database).
/// </summary>
public static class DeliveryMetrics
{
    private static readonly Meter Meter = new(BillingMetrics.MeterName);

    public static readonly Counter<long> Results = Meter.CreateCounter<long>(
        "billing.deliveries", description: "Delivery tries, by channel and result (sent, retried, dead, skipped)");

    private static readonly ConcurrentDictionary<string, DeliveryStats> Latest = new(StringComparer.Ordinal);
    private static DateTimeOffset _measuredAt;

    public static readonly ObservableGauge<long> Pending = Meter.CreateObservableGauge(
        "billing.deliveries.pending", () => Latest.Values.Select(s => new Measurement<long>(s.Pending, Tag(s))),
        description: "Deliveries waiting to be sent, by channel");

    public static readonly ObservableGauge<long> Dead = Meter.CreateObservableGauge(
        "billing.deliveries.dead", () => Latest.Values.Select(s => new Measurement<long>(s.Dead, Tag(s))),
        description: "Deliveries that gave up after their last try, by channel");

    public static readonly ObservableGauge<double> OldestPendingAge = Meter.CreateObservableGauge(
        "billing.deliveries.oldest_pending_age", () => Latest.Values.Select(s => new Measurement<double>(
            s.OldestPendingCreatedAt is { } t ? Math.Max(0, (_measuredAt - t).TotalSeconds) : 0, Tag(s))),
        unit: "s", description: "Age of the oldest pending delivery, by channel");

    public static void Count(DeliveryChannel channel, string result) =>
        Results.Add(1, new("channel", channel.Name()), new("result", result));

    public static void Observe(IReadOnlyList<DeliveryStats> stats, DateTimeOffset now)
    {
        _measuredAt = now;
        foreach (var channel in Enum.GetValues<DeliveryChannel>())
        {
            Latest[channel.Name()] = stats.FirstOrDefault(s => s.Channel == channel) ?? new DeliveryStats(channel, 0, 0, null);
        }
    }

    private static KeyValuePair<string, object?> Tag(DeliveryStats s) => new("channel", s.Channel.Name());
}
