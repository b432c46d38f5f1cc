using BillingCycle.Api.Billing.Links;
using BillingCycle.Api.Infrastructure.Observability;
using BillingCycle.Api.Infrastructure.Time;
using BillingCycle.Api.Jobs;
using BillingCycle.Api.Settlement;

namespace BillingCycle.Api.Billing.Renewal;

/// <summary>
/// The daily renewal (contract §4.3–4.4): settle open attempts, give orphaned attempts their payment,
/// then renew every subscription due up to today a page at a time: one transaction writes a page's
/// invoices and attempts (billing_renew_page), its iPaymu calls run concurrently within the gateway
/// slots, and their answers are recorded in batches. The next page is claimed while this one's
/// calls run, so the database and the gateway work side by side. A crash anywhere in a page leaves
/// attempts without a link, which the next run's orphan recovery makes (contract §6.2).
/// </summary>
public sealed class RenewalJob(
    RenewalStore store, LinkPages links, Reconciler reconciler, OrphanRecovery orphans, ItemErrorIsolation isolation,
    BillingClock clock) : IBillingJobBody
{
    private const int PageSize = 500;

    public BillingJob Job => BillingJob.Renewal;

    public string ProcessedNoun => "subscription renewals";

    private sealed record Page(Guid After, List<PaymentWork> Work);

    public async Task RunAsync(JobReport report, CancellationToken stopping)
    {
        report.CountReconciliation((await reconciler.SettleOpenAttemptsAsync(report.RunId, stopping)).Counts);
        await orphans.RecreateAsync(report, retryAttempts: false, stopping);

        var today = clock.Today;
        var busy = new List<DueSubscription>();
        var claim = ClaimAsync(today, null, busy, report);
        while (await claim is { } page)
        {
            claim = stopping.IsCancellationRequested ? Task.FromResult<Page?>(null) : ClaimAsync(today, page.After, busy, report);
            await links.CreateAsync(page.Work, "renewal", row => Add(report, row), stopping);
        }
        // Subscriptions another transaction held while their page was claimed: once more, now
        // waiting for each lock (a callback or a plan change holds one for milliseconds).
        foreach (var chunk in busy.Chunk(PageSize))
        {
            if (stopping.IsCancellationRequested)
            {
                break;
            }
            var work = await RenewAsync(chunk, wait: true, busy: null, report);
            await links.CreateAsync(work, "renewal", row => Add(report, row), stopping);
        }
    }

    private async Task<Page?> ClaimAsync(DateOnly today, Guid? after, List<DueSubscription> busy, JobReport report)
    {
        var due = await store.DueAsync(today, after, PageSize, CancellationToken.None);
        return due.Count == 0 ? null : new Page(due[^1].Id, await RenewAsync(due, wait: false, busy, report));
    }

    /// <summary>The page's invoices and attempts; the work of their gateway calls.</summary>
    private async Task<List<PaymentWork>> RenewAsync(IReadOnlyList<DueSubscription> due, bool wait, List<DueSubscription>? busy,
        JobReport report)
    {
        List<RenewedRow> rows;
        try
        {
            rows = await store.RenewPageAsync(due, wait, report.RunId);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The page failed as a whole: renew it one subscription at a time, each isolated, so
            // one bad subscription never stops the others (contract §6.3).
            return await RenewOneByOneAsync(due, report);
        }
        var work = new List<PaymentWork>(rows.Count);
        var byId = busy is null ? null : due.ToDictionary(d => d.Id);
        foreach (var row in rows)
        {
            if (row.Outcome == RenewOutcome.Busy && byId is not null)
            {
                busy!.Add(byId[row.SubscriptionId]);
                continue;
            }
            Account(row.SubscriptionId, row.Outcome, row.Work, work, report);
        }
        return work;
    }

    private async Task<List<PaymentWork>> RenewOneByOneAsync(IReadOnlyList<DueSubscription> due, JobReport report)
    {
        var work = new List<PaymentWork>();
        foreach (var d in due)
        {
            var failed = await isolation.RunAsync("renewal", d.Id, null, d.Price, async () =>
            {
                var (start, end) = BillingPeriod.Next(d.Anchor, d.CurrentPeriodEnd, d.Months);
                var (outcome, w) = await store.RenewAsync(d.Id, start, end, report.RunId);
                Account(d.Id, outcome, w, work, report);
                return null;
            });
            if (failed is not null)
            {
                Add(report, failed);
            }
        }
        return work;
    }

    private static void Account(Guid subscriptionId, RenewOutcome outcome, PaymentWork? work, List<PaymentWork> toCall, JobReport report)
    {
        switch (outcome)
        {
            case RenewOutcome.Created:
                toCall.Add(work!);
                break;
            case RenewOutcome.Canceled:
                Add(report, new JobResultRow(subscriptionId, null, "canceled", null, null));
                break;
            case RenewOutcome.Waived:
                Add(report, new JobResultRow(subscriptionId, null, "charge_waived", null, null));
                break;
            default:
                // Another run got there first, or the subscription changed: nothing to do, nothing to report.
                BillingMetrics.JobResults.Add(1, new("job", "renewal"),
                    new("result", outcome == RenewOutcome.AlreadyInvoiced ? "already_invoiced" : "not_due"));
                break;
        }
    }

    private static void Add(JobReport report, JobResultRow row)
    {
        report.Add(row);
        BillingMetrics.JobResults.Add(1, new("job", "renewal"), new("result", row.Status));
    }
}
