using BillingCycle.Api.Billing.Jobs;
using BillingCycle.Api.Infrastructure.Observability;
using BillingCycle.Api.Infrastructure.Time;

namespace BillingCycle.Api.Billing.Renewal;

/// <summary>
/// The daily renewal (SPEC §4.3–4.4): settle open attempts, give orphaned attempts their payment,
/// then for every subscription due up to today create the next period's invoice and attempt 1
/// and ask iPaymu for the payment — with bounded concurrency toward iPaymu.
/// </summary>
public sealed class RenewalJob(
    BillingStore store, PaymentLinks links, Reconciler reconciler, SubscriptionGuard guard, GatewaySlots slots,
    BillingClock clock) : IBillingJobBody
{
    private const int PageSize = 500;

    public BillingJob Job => BillingJob.Renewal;

    public async Task RunAsync(JobReport report, CancellationToken stopping)
    {
        await reconciler.SettleOpenAttemptsAsync(report, stopping);
        await RecreateOrphansAsync(report, stopping);

        var today = clock.Today;
        Guid? after = null;
        while (!stopping.IsCancellationRequested)
        {
            var page = await store.DueAsync(today, after, PageSize, stopping);
            if (page.Count == 0)
            {
                break;
            }
            after = page[^1].Id;
            await Parallel.ForEachAsync(page, Parallelism(stopping), async (due, _) =>
            {
                if (await RenewOneAsync(due, report.RunId) is { } row)
                {
                    report.Add(row);
                }
            });
        }
    }

    private async Task RecreateOrphansAsync(JobReport report, CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            var orphans = await store.ClaimOrphansAsync(report.RunId, PageSize, retryAttempts: false, stopping);
            if (orphans.Count == 0)
            {
                return;
            }
            await Parallel.ForEachAsync(orphans, Parallelism(stopping), async (work, _) =>
            {
                report.CountReconciliation("payments_recreated");
                report.Add((await guard.RunAsync("renewal", work.SubscriptionId, work.InvoiceId, work.Amount, async () => await links.CreateAsync(work)))!);
            });
        }
    }

    private async Task<JobResultRow?> RenewOneAsync(DueSubscription due, Guid runId) =>
        await guard.RunAsync("renewal", due.Id, null, due.Price, async () =>
        {
            var (start, end) = BillingPeriod.Next(due.Anchor, due.CurrentPeriodEnd);
            var (outcome, invoiceId, work) = await store.RenewAsync(due.Id, start, end, runId);
            var row = outcome switch
            {
                "created" => await links.CreateAsync(work!),
                "canceled" => new JobResultRow(due.Id, null, "canceled", null, null),
                // Another run got there first, or the subscription changed: nothing to do, nothing to report.
                _ => null,
            };
            BillingMetrics.JobResults.Add(1, new("job", "renewal"), new("result", row?.Status ?? outcome));
            return row;
        });

    // Calls to iPaymu are bounded by GatewaySlots; the loop runs wider so database work overlaps them.
    private ParallelOptions Parallelism(CancellationToken stopping) =>
        new() { MaxDegreeOfParallelism = slots.JobParallelism, CancellationToken = stopping };
}
