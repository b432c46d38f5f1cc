using BillingCycle.Api.Infrastructure.Alerts;
using BillingCycle.Api.Infrastructure.Gateway;
using BillingCycle.Api.Infrastructure.Time;
using BillingCycle.IPaymu;

namespace BillingCycle.Api.Settlement;

/// <summary>
/// Settles open attempts at the start of every job (contract §4.9), because callbacks get lost —
/// even the only one. An attempt with a transaction id is checked with iPaymu; one without is
/// looked up in iPaymu's history by our reference or session id, then checked; an attempt past
/// its expiry plus grace that iPaymu does not report paid is expired — but only when the history
/// was read to its end: a truncated read is no proof that the customer did not pay.
/// This is the only place that decides to expire an attempt.
/// </summary>
public sealed partial class Reconciler(
    AttemptStore store, AttemptSettler settler, IPaymuClient ipaymu, LatePaymentSweep sweep, SettlementOptions options,
    GatewaySlots slots, AlertSender alerts, BillingClock clock, ILogger<Reconciler> logger)
{
    public async Task<ReconciliationCounts> SettleOpenAttemptsAsync(Guid runId, CancellationToken stopping)
    {
        var counts = new ReconciliationCounts();
        var history = new HistoryIndex(ipaymu, options.ReconcileHistoryPages, clock.UtcNow);
        (DateTimeOffset At, Guid Id)? after = null;
        var seen = 0;
        while (!stopping.IsCancellationRequested && seen < options.ReconcileBatch * 25)
        {
            var batch = await store.OpenAsync(after, options.ReconcileBatch, stopping);
            if (batch.Count == 0)
            {
                break;
            }
            seen += batch.Count;
            after = (batch[^1].CreatedAt, batch[^1].Id);
            await Parallel.ForEachAsync(batch,
                new ParallelOptions { MaxDegreeOfParallelism = slots.CheckParallelism, CancellationToken = stopping },
                async (attempt, _) => await SettleAsync(attempt, history, counts));
        }
        await sweep.RunAsync(history, counts);
        if (counts[ReconcileStep.HistoryIncomplete] is var unproven and > 0)
        {
            alerts.Raise("Reconciliation left expired links open: iPaymu history longer than BILLING_RECONCILE_HISTORY_PAGES",
                new { attempts = unproven, pages_read = options.ReconcileHistoryPages, run_id = runId });
        }
        return counts;
    }

    /// <summary>
    /// Housekeeping's part (contract §7.2): the open attempts of unpaid checkouts and upgrades past
    /// their link's expiry and grace are settled as every open attempt is — iPaymu asked once, paid
    /// if it says paid, else expired — so the withdrawal that follows can happen within the hour.
    /// </summary>
    public async Task<ReconciliationCounts> SettleExpiredCustomerAttemptsAsync(CancellationToken stopping)
    {
        var counts = new ReconciliationCounts();
        var attempts = await store.ExpiredCustomerAttemptsAsync(options.ReconcileBatch, stopping);
        if (attempts.Count == 0)
        {
            return counts;
        }
        var history = new HistoryIndex(ipaymu, options.ReconcileHistoryPages, clock.UtcNow);
        await Parallel.ForEachAsync(attempts,
            new ParallelOptions { MaxDegreeOfParallelism = slots.CheckParallelism, CancellationToken = stopping },
            async (attempt, _) => await SettleAsync(attempt, history, counts));
        return counts;
    }

    private async Task SettleAsync(PaymentAttempt attempt, HistoryIndex history, ReconciliationCounts counts)
    {
        try
        {
            var trx = attempt.TransactionId ?? await history.FindAsync(attempt);
            if (trx is null)
            {
                if (!settler.IsPastGrace(attempt))
                {
                    counts.Add(ReconcileStep.CheckedPending);
                }
                else if (!history.Complete)
                {
                    // Not in the pages read is not "not at iPaymu": expiring it could drop a real payment.
                    counts.Add(ReconcileStep.HistoryIncomplete);
                }
                else
                {
                    // iPaymu has no transaction for it: the customer never chose a channel, let alone paid.
                    counts.AddSettled(await settler.ExpireUnpaidAsync(attempt, lastAnswer: null));
                }
                return;
            }
            var status = await ipaymu.CheckTransactionAsync(trx, CancellationToken.None);
            var result = await settler.ApplyAsync(status, attempt);
            if (result.Kind == SettlementKind.StillPending && settler.IsPastGrace(attempt))
            {
                result = await settler.ExpireUnpaidAsync(attempt, status);
            }
            counts.AddSettled(result);
        }
        catch (IPaymuException ex)
        {
            LogCheckFailed(logger, attempt.ReferenceId, ex.Message);
            counts.Add(ReconcileStep.CheckDeferred);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not settle attempt {ReferenceId} with iPaymu: {Reason}")]
    private static partial void LogCheckFailed(ILogger logger, string referenceId, string reason);
}
