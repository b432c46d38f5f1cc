using BillingCycle.Api.Billing.Jobs;
using BillingCycle.Api.Infrastructure.Observability;
using BillingCycle.Api.Infrastructure.Time;
using Npgsql;

namespace BillingCycle.Api.Billing.Retry;

/// <summary>
/// The daily retry run (SPEC §4.8): settle open attempts, then give every pending retry due up to
/// today a new payment attempt for its invoice and a new iPaymu payment.
/// </summary>
public sealed class RetryJob(
    NpgsqlDataSource db, BillingStore store, PaymentLinks links, Reconciler reconciler, SubscriptionGuard guard,
    GatewaySlots slots, BillingClock clock) : IBillingJobBody
{
    private const int PageSize = 500;

    public BillingJob Job => BillingJob.Retry;

    public async Task RunAsync(JobReport report, CancellationToken stopping)
    {
        await reconciler.SettleOpenAttemptsAsync(report, stopping);
        // Calls to iPaymu are bounded by GatewaySlots; the loop runs wider so database work overlaps them.
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = slots.JobParallelism, CancellationToken = stopping };

        while (!stopping.IsCancellationRequested)
        {
            var orphans = await store.ClaimOrphansAsync(report.RunId, PageSize, retryAttempts: true, stopping);
            if (orphans.Count == 0)
            {
                break;
            }
            await Parallel.ForEachAsync(orphans, parallel, async (work, _) =>
            {
                report.CountReconciliation("payments_recreated");
                report.Add(await guard.RunAsync("retry", work.SubscriptionId, work.InvoiceId, work.Amount, async () => await links.CreateAsync(work)) ?? throw new InvalidOperationException());
            });
        }

        var today = clock.Today;
        Guid? after = null;
        while (!stopping.IsCancellationRequested)
        {
            var page = await DueRetriesAsync(today, after, stopping);
            if (page.Count == 0)
            {
                break;
            }
            after = page[^1].RetryId;
            await Parallel.ForEachAsync(page, parallel, async (due, _) =>
            {
                if (await guard.RunAsync("retry", due.SubscriptionId, due.InvoiceId, due.Amount, () => StartOneAsync(due, report.RunId)) is { } row)
                {
                    report.Add(row);
                }
            });
        }
    }

    private sealed record DueRetry(Guid RetryId, Guid SubscriptionId, Guid InvoiceId, long Amount);

    private async Task<JobResultRow?> StartOneAsync(DueRetry due, Guid runId)
    {
        await using var cmd = db.CreateCommand("""
            SELECT r.outcome, w.payment_id, w.reference_id, w.amount, w.attempt_number, w.invoice_id, w.invoice_number,
                   w.subscription_id, w.user_id, w.plan_name, w.buyer_email, w.buyer_name, w.buyer_phone, w.period_start, w.period_end
              FROM billing_start_retry($1, $2, $3) r
              LEFT JOIN LATERAL billing_payment_work(ARRAY[r.payment_id]) w ON r.payment_id IS NOT NULL
            """);
        cmd.Parameters.Add(new() { Value = due.RetryId });
        cmd.Parameters.Add(new() { Value = runId });
        cmd.Parameters.Add(new() { Value = clock.UtcNow });
        string outcome;
        PaymentWork? work = null;
        await using (var r = await cmd.ExecuteReaderAsync(CancellationToken.None))
        {
            await r.ReadAsync(CancellationToken.None);
            outcome = r.GetString(0);
            if (!r.IsDBNull(1))
            {
                work = new PaymentWork(r.GetGuid(1), r.GetString(2), r.GetInt64(3), r.GetInt32(4), r.GetGuid(5), r.GetString(6),
                    r.GetGuid(7), r.GetString(8), r.GetString(9), r.IsDBNull(10) ? null : r.GetString(10),
                    r.IsDBNull(11) ? null : r.GetString(11), r.IsDBNull(12) ? null : r.GetString(12),
                    r.GetFieldValue<DateTimeOffset>(13), r.GetFieldValue<DateTimeOffset>(14));
            }
        }
        var row = outcome switch
        {
            "created" => await links.CreateAsync(work!),
            "closed" => new JobResultRow(due.SubscriptionId, due.InvoiceId, "canceled", due.Amount, "invoice already settled or subscription canceled"),
            _ => null,
        };
        BillingMetrics.JobResults.Add(1, new("job", "retry"), new("result", row?.Status ?? outcome));
        return row;
    }

    private async Task<List<DueRetry>> DueRetriesAsync(DateOnly today, Guid? after, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand(
            "SELECT retry_id, subscription_id, invoice_id, price FROM get_subscriptions_with_pending_retries($1, $2, $3)");
        cmd.Parameters.Add(new() { Value = today });
        cmd.Parameters.Add(new() { Value = after is { } a ? a : DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        cmd.Parameters.Add(new() { Value = PageSize });
        var list = new List<DueRetry>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            list.Add(new DueRetry(r.GetGuid(0), r.GetGuid(1), r.GetGuid(2), r.GetInt64(3)));
        }
        return list;
    }
}
