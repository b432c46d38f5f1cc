using BillingCycle.Api.Jobs;

namespace BillingCycle.Api.Billing.Links;

/// <summary>
/// Attempts left without a payment link — a crash between the invoice and the gateway call (or
/// before a page's answers were recorded), or an outage that deferred them — whose run has ended
/// are claimed by this run and created again, with the same reference (contract §4.9), a page at a time.
/// </summary>
public sealed class OrphanRecovery(PaymentLinkStore store, LinkPages pages)
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
            await pages.CreateAsync(orphans, eventType, row =>
            {
                report.CountReconciliation("payments_recreated");
                report.Add(row);
            }, stopping);
        }
    }
}
