using System.Collections.Concurrent;
using System.Text.Json.Serialization;

namespace BillingCycle.Api.Jobs;

/// <summary>The work of one job run; the runner takes care of locking, recording and alerting.</summary>
public interface IBillingJobBody
{
    BillingJob Job { get; }

    /// <summary>What the answer's message says was processed, e.g. "subscription renewals".</summary>
    string ProcessedNoun { get; }

    Task RunAsync(JobReport report, CancellationToken stopping);
}

/// <summary>One item's result in a job answer.</summary>
public sealed record JobResultRow(
    Guid? SubscriptionId, Guid? InvoiceId, string Status, long? Amount,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Error);

/// <summary>The renew/retry answer (contract §5).</summary>
public sealed record JobAnswer(
    int Processed, IReadOnlyDictionary<string, int> Summary, IReadOnlyList<JobResultRow> Results,
    bool ResultsTruncated, string Message, Guid RunId, string Status,
    IReadOnlyDictionary<string, int> Reconciliation);

/// <summary>What a run collects while it works; safe to add to from parallel workers.</summary>
public sealed class JobReport(Guid runId)
{
    public const int MaxResults = 1_000;

    private readonly ConcurrentQueue<JobResultRow> _rows = new();
    private readonly ConcurrentDictionary<string, int> _summary = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _reconciliation = new(StringComparer.Ordinal);
    private int _processed;

    public Guid RunId { get; } = runId;

    public int Processed => _processed;

    public IReadOnlyDictionary<string, int> Summary => _summary;

    public IReadOnlyDictionary<string, int> Reconciliation => _reconciliation;

    public void Add(JobResultRow row)
    {
        Interlocked.Increment(ref _processed);
        _summary.AddOrUpdate(row.Status, 1, (_, n) => n + 1);
        if (_rows.Count < MaxResults)
        {
            _rows.Enqueue(row);
        }
    }

    /// <summary>Adds counts of the run's housekeeping steps (reconciliation, recreated payments).</summary>
    public void CountReconciliation(string what, int n = 1) => _reconciliation.AddOrUpdate(what, n, (_, m) => m + n);

    public void CountReconciliation(IReadOnlyDictionary<string, int> counts)
    {
        foreach (var (what, n) in counts)
        {
            CountReconciliation(what, n);
        }
    }

    public int Count(string status) => _summary.TryGetValue(status, out var n) ? n : 0;

    public IReadOnlyList<JobResultRow> Rows => _rows.Take(MaxResults).ToList();

    public bool Truncated => _processed > MaxResults;
}
