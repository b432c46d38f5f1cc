using BillingCycle.IPaymu;

namespace BillingCycle.Api.Settlement;

/// <summary>
/// Money iPaymu took is recorded, whatever we thought of the attempt. Reconciliation only checks
/// open attempts; but a customer can pay a link we already closed — one superseded when another
/// attempt of the same invoice was paid, or one expired just as it was paid — and if that callback
/// is lost, nothing else would ever look at it again. So each run also reads iPaymu's history for
/// paid transactions whose attempt we hold as expired or failed, confirms each with
/// check-transaction, and applies it as a callback would: an invoice still open is settled late;
/// one already paid or cancelled gets the payment recorded as a flagged oddity, never a second grant.
/// (Found by the seeded simulation, seed 11 with 200 subscriptions over a year.)
/// </summary>
public sealed partial class LatePaymentSweep(
    AttemptStore store, AttemptSettler settler, IPaymuClient ipaymu, ILogger<LatePaymentSweep> logger)
{
    public async Task RunAsync(HistoryIndex history, ReconciliationCounts counts)
    {
        IReadOnlyCollection<IPaymu.Models.HistoryItem> paid;
        try
        {
            paid = await history.PaidAsync();
        }
        catch (IPaymuException)
        {
            counts.Add(ReconcileStep.LateSweepDeferred);
            return;
        }
        var byReference = paid.Where(p => p.ReferenceId is { Length: > 0 })
            .GroupBy(p => p.ReferenceId!, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        if (byReference.Count == 0)
        {
            return;
        }

        // One indexed query finds the few attempts iPaymu calls paid and we do not.
        foreach (var reference in await store.ClosedAmongAsync(byReference.Keys, CancellationToken.None))
        {
            try
            {
                var attempt = await store.FindAsync(reference, null, null, CancellationToken.None);
                var status = await ipaymu.CheckTransactionAsync(byReference[reference].TransactionId!, CancellationToken.None);
                if (attempt is null || !status.IsPaid || status.ReferenceId != reference)
                {
                    continue; // iPaymu's own answer must name this attempt (contract §10.3)
                }
                var result = await settler.ApplyAsync(status, attempt);
                LogLatePayment(logger, reference, result.Label);
                counts.AddLate(result);
            }
            catch (IPaymuException)
            {
                counts.Add(ReconcileStep.LateSweepDeferred);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "iPaymu reports {ReferenceId} paid though we had closed it: {Outcome}")]
    private static partial void LogLatePayment(ILogger logger, string referenceId, string outcome);
}
