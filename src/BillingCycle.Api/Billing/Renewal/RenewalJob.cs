using BillingCycle.Api.Billing.Links;
using BillingCycle.Api.Infrastructure.Gateway;
using BillingCycle.Api.Infrastructure.Observability;
using BillingCycle.Api.Infrastructure.Time;
using BillingCycle.Api.Jobs;
using BillingCycle.Api.Settlement;

namespace BillingCycle.Api.Billing.Renewal;

/// <summary>
/// The daily renewal (SPEC §4.3–4.4): settle open attempts, give orphaned attempts their payment,
/// then for every subscription due up to today create the next period's invoice and attempt 1
/// and ask iPaymu for the payment — with bounded concurrency toward iPaymu.
/// </summary>
public sealed class RenewalJob(
    RenewalStore store, PaymentLinks links, Reconciler reconciler, OrphanRecovery orphans, ItemErrorIsolation isolation,
    GatewaySlots slots, BillingClock clock) : IBillingJobBody
{
    private const int PageSize = 500;

    public BillingJob Job => BillingJob.Renewal;

    public string ProcessedNoun => "subscription renewals";

    public async Task RunAsync(JobReport report, CancellationToken stopping)
    {
        report.CountReconciliation((await reconciler.SettleOpenAttemptsAsync(report.RunId, stopping)).Counts);
        await orphans.RecreateAsync(report, retryAttempts: false, stopping);

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
            await Parallel.ForEachAsync(page, slots.JobLoop(stopping), async (due, _) =>
            {
                if (await RenewOneAsync(due, report.RunId) is { } row)
                {
                    report.Add(row);
                }
            });
        }
    }

    private async Task<JobResultRow?> RenewOneAsync(DueSubscription due, Guid runId) =>
        await isolation.RunAsync("renewal", due.Id, null, due.Price, async () =>
        {
            var (start, end) = BillingPeriod.Next(due.Anchor, due.CurrentPeriodEnd);
            var (outcome, work) = await store.RenewAsync(due.Id, start, end, runId);
            var row = outcome switch
            {
                RenewOutcome.Created => (await links.CreateAsync(work!)).ToRow(work!),
                RenewOutcome.Canceled => new JobResultRow(due.Id, null, "canceled", null, null),
                // Another run got there first, or the subscription changed: nothing to do, nothing to report.
                _ => null,
            };
            BillingMetrics.JobResults.Add(1, new("job", "renewal"), new("result", row?.Status ?? Label(outcome)));
            return row;
        });

    private static string Label(RenewOutcome o) => o == RenewOutcome.AlreadyInvoiced ? "already_invoiced" : "not_due";
}
