using BillingCycle.Api.Billing.Links;
using BillingCycle.Api.Infrastructure.Observability;
using BillingCycle.Api.Infrastructure.Time;
using BillingCycle.Api.Jobs;
using BillingCycle.Api.Settlement;

namespace BillingCycle.Api.Billing.Retry;

/// <summary>
/// The daily retry run (contract §4.8): settle open attempts, then give every pending retry due up to
/// today a new payment attempt for its invoice and a new iPaymu payment — in the renewal's page
/// shape: one transaction starts a page of retries (billing_start_retries), their iPaymu calls run
/// concurrently within the gateway slots, their answers are recorded in batches.
/// </summary>
public sealed class RetryJob(
    RetryStore store, LinkPages links, Reconciler reconciler, OrphanRecovery orphans, ItemErrorIsolation isolation,
    BillingClock clock) : IBillingJobBody
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
            var work = await StartAsync(page, report);
            await links.CreateAsync(work, "retry", row => Add(report, row), stopping);
        }
    }

    private async Task<List<PaymentWork>> StartAsync(List<DueRetry> page, JobReport report)
    {
        var work = new List<PaymentWork>(page.Count);
        try
        {
            var byId = page.ToDictionary(d => d.RetryId);
            foreach (var (retryId, outcome, w) in await store.StartManyAsync(page, report.RunId))
            {
                Account(byId[retryId], outcome, w, work, report);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The page failed as a whole: each retry alone, isolated (contract §6.3).
            foreach (var due in page)
            {
                if (await isolation.RunAsync("retry", due.SubscriptionId, due.InvoiceId, due.Amount, async () =>
                    {
                        var (outcome, w) = await store.StartAsync(due.RetryId, report.RunId);
                        Account(due, outcome, w, work, report);
                        return null;
                    }) is { } failed)
                {
                    Add(report, failed);
                }
            }
        }
        return work;
    }

    private static void Account(DueRetry due, StartRetryOutcome outcome, PaymentWork? work, List<PaymentWork> toCall, JobReport report)
    {
        switch (outcome)
        {
            case StartRetryOutcome.Created:
                toCall.Add(work!);
                break;
            case StartRetryOutcome.Closed:
                Add(report, new JobResultRow(due.SubscriptionId, due.InvoiceId, "canceled", due.Amount, "invoice already settled or subscription canceled"));
                break;
            default:
                BillingMetrics.JobResults.Add(1, new("job", "retry"), new("result", "not_pending"));
                break;
        }
    }

    private static void Add(JobReport report, JobResultRow row)
    {
        report.Add(row);
        BillingMetrics.JobResults.Add(1, new("job", "retry"), new("result", row.Status));
    }
}
