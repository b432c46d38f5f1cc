using BillingCycle.Api.Infrastructure.Gateway;
using BillingCycle.Api.Jobs;

namespace BillingCycle.Api.Billing.Links;

/// <summary>
/// Attempts left without a payment link — a crash between the invoice and the gateway call, or an
/// outage that deferred them — whose run has ended are claimed by this run and created again, with
/// the same reference (SPEC §4.9).
/// </summary>
public sealed class OrphanRecovery(PaymentLinkStore store, PaymentLinks links, ItemErrorIsolation isolation, GatewaySlots slots)
{
    private const int PageSize = 500;

    /// <param name="retryAttempts">false: first attempts (the renewal job); true: retry attempts (the retry job).</param>
    public async Task RecreateAsync(JobReport report, bool retryAttempts, CancellationToken stopping)
    {
        var eventType = retryAttempts ? "retry" : "renewal";
        while (!stopping.IsCancellationRequested)
        {
            var orphans = await store.ClaimOrphansAsync(report.RunId, PageSize, retryAttempts, stopping);
            if (orphans.Count == 0)
            {
                return;
            }
            await Parallel.ForEachAsync(orphans, slots.JobLoop(stopping), async (work, _) =>
            {
                report.CountReconciliation("payments_recreated");
                report.Add((await isolation.RunAsync(eventType, work.SubscriptionId, work.InvoiceId, work.Amount,
                    async () => (await links.CreateAsync(work)).ToRow(work)))!);
            });
        }
    }
}
