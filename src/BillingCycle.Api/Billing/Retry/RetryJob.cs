using BillingCycle.Api.Billing.Links;
using BillingCycle.Api.Infrastructure.Gateway;
using BillingCycle.Api.Infrastructure.Observability;
using BillingCycle.Api.Infrastructure.Time;
using BillingCycle.Api.Jobs;
using BillingCycle.Api.Settlement;

namespace BillingCycle.Api.Billing.Retry;

/// <summary>
/// The daily retry run (SPEC §4.8): settle open attempts, then give every pending retry due up to
/// today a new payment attempt for its invoice and a new iPaymu payment.
/// </summary>
public sealed class RetryJob(
    RetryStore store, PaymentLinks links, Reconciler reconciler, OrphanRecovery orphans, ItemErrorIsolation isolation,
    GatewaySlots slots, BillingClock clock) : IBillingJobBody
{
    private const int PageSize = 500;

    public BillingJob Job => BillingJob.Retry;

    public string ProcessedNoun => "payment retries";

    public async Task RunAsync(JobReport report, CancellationToken stopping)
    {
        report.CountReconciliation((await reconciler.SettleOpenAttemptsAsync(report.RunId, stopping)).Counts);
        await orphans.RecreateAsync(report, retryAttempts: true, stopping);

        var today = clock.Today;
        Guid? after = null;
        while (!stopping.IsCancellationRequested)
        {
            var page = await store.DueAsync(today, after, PageSize, stopping);
            if (page.Count == 0)
            {
                break;
            }
            after = page[^1].RetryId;
            await Parallel.ForEachAsync(page, slots.JobLoop(stopping), async (due, _) =>
            {
                if (await isolation.RunAsync("retry", due.SubscriptionId, due.InvoiceId, due.Amount, () => StartOneAsync(due, report.RunId)) is { } row)
                {
                    report.Add(row);
                }
            });
        }
    }

    private async Task<JobResultRow?> StartOneAsync(DueRetry due, Guid runId)
    {
        var (outcome, work) = await store.StartAsync(due.RetryId, runId);
        var row = outcome switch
        {
            StartRetryOutcome.Created => (await links.CreateAsync(work!)).ToRow(work!),
            StartRetryOutcome.Closed => new JobResultRow(due.SubscriptionId, due.InvoiceId, "canceled", due.Amount, "invoice already settled or subscription canceled"),
            _ => null,
        };
        BillingMetrics.JobResults.Add(1, new("job", "retry"), new("result", row?.Status ?? "not_pending"));
        return row;
    }
}
