using BillingCycle.Api.Infrastructure.Gateway;
using BillingCycle.Api.Jobs;

namespace BillingCycle.Api.Billing.Links;

/// <summary>
/// The links of a page of attempts (renewal, retry, orphans): the gateway calls run concurrently
/// within <see cref="GatewaySlots"/>, and their answers are recorded in batches by a
/// <see cref="LinkBatch"/>. An attempt whose answer is never recorded (a crash) keeps its
/// reference and no link: the next run's orphan recovery makes it again.
/// </summary>
public sealed class LinkPages(PaymentLinks links, PaymentLinkStore store, ItemErrorIsolation isolation, GatewaySlots slots)
{
    /// <param name="done">Called once per attempt with its result row, after its outcome is recorded.</param>
    public async Task CreateAsync(IReadOnlyList<PaymentWork> page, string eventType, Action<JobResultRow> done,
        CancellationToken stopping)
    {
        if (page.Count == 0)
        {
            return;
        }
        var batch = new LinkBatch(store);
        try
        {
            await Parallel.ForEachAsync(page, slots.JobLoop(stopping), async (work, _) =>
                done((await isolation.RunAsync(eventType, work.SubscriptionId, work.InvoiceId, work.Amount,
                    async () => (await links.CreateAsync(work, batch)).ToRow(work)))!));
        }
        finally
        {
            await batch.CompleteAsync();
        }
    }
}
