using System.Collections.Concurrent;
using System.Globalization;
using BillingCycle.Api.Billing.Jobs;
using BillingCycle.Api.Infrastructure.Alerts;
using BillingCycle.Api.Infrastructure.Time;
using BillingCycle.Api.Payments;
using BillingCycle.IPaymu;
using BillingCycle.IPaymu.Models;
using Npgsql;

namespace BillingCycle.Api.Billing;

/// <summary>
/// Settles open attempts at the start of every job (SPEC §4.9), because callbacks get lost —
/// even the only one. An attempt with a transaction id is checked with iPaymu; one without is
/// looked up in iPaymu's history by our reference or session id, then checked; an attempt past
/// its expiry plus grace that iPaymu does not report paid is expired — but only when the history
/// was read to its end: a truncated read is no proof that the customer did not pay.
/// </summary>
public sealed partial class Reconciler(
    NpgsqlDataSource db, IPaymuClient ipaymu, PaymentOutcomes outcomes, BillingStore store, BillingOptions options,
    LatePaymentSweep sweep, AlertSender alerts, BillingClock clock, ILogger<Reconciler> logger)
{
    public async Task SettleOpenAttemptsAsync(JobReport report, CancellationToken stopping)
    {
        var history = new HistoryIndex(ipaymu, options.ReconcileHistoryPages, clock.UtcNow);
        var unproven = 0;
        (DateTimeOffset At, Guid Id)? after = null;
        var seen = 0;
        while (!stopping.IsCancellationRequested && seen < options.ReconcileBatch * 25)
        {
            var batch = await OpenAttemptsAsync(after, options.ReconcileBatch, stopping);
            if (batch.Count == 0)
            {
                break;
            }
            seen += batch.Count;
            after = (batch[^1].CreatedAt, batch[^1].Id);
            await Parallel.ForEachAsync(batch,
                new ParallelOptions { MaxDegreeOfParallelism = options.GatewayConcurrency, CancellationToken = stopping },
                async (payment, _) =>
                {
                    var outcome = await SettleAsync(payment, history);
                    if (outcome == HistoryIncomplete)
                    {
                        Interlocked.Increment(ref unproven);
                    }
                    report.CountReconciliation(outcome);
                });
        }
        await sweep.RunAsync(history, report);
        if (unproven > 0)
        {
            alerts.Raise("Reconciliation left expired links open: iPaymu history longer than BILLING_RECONCILE_HISTORY_PAGES",
                new { attempts = unproven, pages_read = options.ReconcileHistoryPages, run_id = report.RunId });
        }
    }

    /// <summary>The attempt is past its expiry, but the history read was cut short: it stays open.</summary>
    private const string HistoryIncomplete = "history_incomplete";

    private async Task<string> SettleAsync(PaymentRow payment, HistoryIndex history)
    {
        try
        {
            var trx = payment.TransactionId;
            if (trx is null)
            {
                trx = await history.FindAsync(payment);
                if (trx is null)
                {
                    if (!outcomes.IsPastGrace(payment))
                    {
                        return "checked_pending";
                    }
                    if (!history.Complete)
                    {
                        // Not in the pages read is not "not at iPaymu": expiring it could drop a real payment.
                        return HistoryIncomplete;
                    }
                    // iPaymu has no transaction for it: the customer never chose a channel, let alone paid.
                    await store.FailAsync(payment.Id, "expired", "payment link expired unpaid (no transaction at iPaymu)", null);
                    return "expired";
                }
            }
            var status = await ipaymu.CheckTransactionAsync(trx, CancellationToken.None);
            var applied = await outcomes.ApplyAsync(status, payment, expireIfOpenPastGrace: true);
            return applied switch
            {
                "applied" => "paid_applied",
                "pending" => "checked_pending",
                var a when a.StartsWith("expired", StringComparison.Ordinal) => "expired",
                var a when a.StartsWith("failed", StringComparison.Ordinal) => "failed",
                _ => applied,
            };
        }
        catch (IPaymuException ex)
        {
            LogCheckFailed(logger, payment.ReferenceId, ex.Message);
            return "check_deferred";
        }
    }

    private async Task<List<PaymentRow>> OpenAttemptsAsync((DateTimeOffset At, Guid Id)? after, int limit, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("SELECT * FROM billing_open_attempts($1, $2, $3)");
        cmd.Parameters.Add(new() { Value = after is { } a ? a.At : DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        cmd.Parameters.Add(new() { Value = after is { } b ? b.Id : DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        cmd.Parameters.Add(new() { Value = limit });
        var list = new List<PaymentRow>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            list.Add(BillingStore.ReadPayment(r));
        }
        return list;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not settle attempt {ReferenceId} with iPaymu: {Reason}")]
    private static partial void LogCheckFailed(ILogger logger, string referenceId, string reason);
}
