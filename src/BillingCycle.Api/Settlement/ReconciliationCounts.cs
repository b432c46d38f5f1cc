using System.Collections.Concurrent;

namespace BillingCycle.Api.Settlement;

/// <summary>Steps of reconciliation that settle nothing.</summary>
public enum ReconcileStep
{
    /// <summary>iPaymu has no transaction yet and the link is still within its life.</summary>
    CheckedPending,

    /// <summary>Past its expiry, but the history read was cut short: the attempt stays open.</summary>
    HistoryIncomplete,

    /// <summary>iPaymu could not be asked; the next run asks again.</summary>
    CheckDeferred,

    /// <summary>The late-payment sweep could not read or confirm; the next run sweeps again.</summary>
    LateSweepDeferred,
}

/// <summary>What one reconciliation pass did, counted by label; safe to add to from parallel workers.</summary>
public sealed class ReconciliationCounts
{
    private readonly ConcurrentDictionary<string, int> _counts = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, int> Counts => _counts;

    public int this[ReconcileStep step] => _counts.TryGetValue(Label(step), out var n) ? n : 0;

    public void Add(ReconcileStep step) => Bump(Label(step));

    public void AddSettled(SettlementResult result) => Bump(result.Kind switch
    {
        SettlementKind.Paid when result.Applied => "paid_applied",
        SettlementKind.StillPending => Label(ReconcileStep.CheckedPending),
        _ => result.Category,
    });

    /// <summary>A payment the sweep found on an attempt we had closed: late_applied, late_invoice_already_paid, …</summary>
    public void AddLate(SettlementResult result) => Bump("late_" + result.Label);

    private void Bump(string label) => _counts.AddOrUpdate(label, 1, (_, n) => n + 1);

    private static string Label(ReconcileStep step) => step switch
    {
        ReconcileStep.CheckedPending => "checked_pending",
        ReconcileStep.HistoryIncomplete => "history_incomplete",
        ReconcileStep.CheckDeferred => "check_deferred",
        _ => "late_sweep_deferred",
    };
}
