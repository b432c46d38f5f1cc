using System.Diagnostics.Metrics;

namespace BillingCycle.Api.Infrastructure.Observability;

/// <summary>The service's own instruments (contract §6.8); exported at /metrics. Names are documented in docs/operations.md.</summary>
public static class BillingMetrics
{
    public const string MeterName = "BillingCycle";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>Credits granted or consumed, by credit_type and kind (reset, add, consume).</summary>
    public static readonly Counter<long> CreditChanges = Meter.CreateCounter<long>(
        "billing.credits.changes", description: "Credit changes applied, by credit_type and kind");

    public static readonly Counter<long> CreditAmount = Meter.CreateCounter<long>(
        "billing.credits.granted", description: "Credits granted (reset amount or added), by credit_type and source");

    /// <summary>Renewal and retry results, by job and result.</summary>
    public static readonly Counter<long> JobResults = Meter.CreateCounter<long>(
        "billing.job.results", description: "Subscriptions processed by a billing job, by job and result");

    /// <summary>Payment outcomes, by outcome (paid, failed, expired, deferred, rejected) and reason.</summary>
    public static readonly Counter<long> PaymentOutcomes = Meter.CreateCounter<long>(
        "billing.payment.outcomes", description: "Payment attempt outcomes, by outcome and reason");

    public static readonly Counter<long> WebhookEvents = Meter.CreateCounter<long>(
        "billing.webhook.events", description: "iPaymu callbacks received, by outcome");

    /// <summary>Requests (by route group) and health probes that met the database unreachable: each answered 503.</summary>
    public static readonly Counter<long> DatabaseUnavailable = Meter.CreateCounter<long>(
        "billing.database.unavailable", description: "Requests answered 503 because the database was unreachable, by where");

    public static readonly Histogram<double> JobDuration = Meter.CreateHistogram<double>(
        "billing.job.duration", unit: "s", description: "Duration of billing job runs, by job and status");

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, double> LastSuccess = new();

    /// <summary>Unix time of each job's last successful run (gauge billing.job.last_success).</summary>
    public static readonly ObservableGauge<double> JobLastSuccess = Meter.CreateObservableGauge(
        "billing.job.last_success", () => LastSuccess.Select(kv => new Measurement<double>(kv.Value, new KeyValuePair<string, object?>("job", kv.Key))),
        unit: "s", description: "Unix time of the last successful run of each billing job");

    public static void MarkSuccess(string job, DateTimeOffset at) => LastSuccess[job] = at.ToUnixTimeMilliseconds() / 1000.0;

    public static void Credit(string type, string kind, long amount, string source)
    {
        CreditChanges.Add(1, new("credit_type", type), new("kind", kind));
        if (kind != "consume")
        {
            CreditAmount.Add(amount, new("credit_type", type), new("source", source));
        }
    }
}
