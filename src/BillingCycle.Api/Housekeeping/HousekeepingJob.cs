using BillingCycle.Api.Deliveries;
using BillingCycle.Api.Deliveries.Reminders;
using BillingCycle.Api.Infrastructure.Http;
using BillingCycle.Api.Infrastructure.Time;
using BillingCycle.Api.Jobs;
using BillingCycle.Api.Portal;
using BillingCycle.Api.Settlement;
using BillingCycle.Api.Subscriptions;
using BillingCycle.Api.Webhooks;
using Npgsql;

namespace BillingCycle.Api.Housekeeping;

/// <summary>
/// The housekeeping job (contract §7.9), every 15 minutes by default: the small chores that keep the
/// billing world tidy between the daily runs. Each step reports what it did in the run's counts.
/// </summary>
public sealed class HousekeepingJob(
    WebhookEventStore webhookEvents, LifecycleStore lifecycle, ReminderQueue reminders, YearlyAllowances allowances,
    DeliveryStore deliveries,
    HousekeepingOptions options, SettlementOptions settlement, Reconciler reconciler, BillingClock clock, NpgsqlDataSource db) : IBillingJobBody
{
    public BillingJob Job => BillingJob.Housekeeping;

    public string ProcessedNoun => "housekeeping items";

    public async Task RunAsync(JobReport report, CancellationToken stopping)
    {
        // Checkouts, upgrades and credit packs nobody paid (contract §7.2, §11.4): their expired links
        // settled here, through the reconciler (iPaymu asked once), rather than waiting for the daily
        // run; then withdrawn.
        report.CountReconciliation((await reconciler.SettleExpiredCustomerAttemptsAsync(stopping)).Counts);
        var (checkouts, upgrades, packs) = await lifecycle.WithdrawUnpaidAsync(settlement.ExpiryGrace, stopping);
        report.CountReconciliation("checkouts_expired", checkouts);
        report.CountReconciliation("upgrades_expired", upgrades);
        report.CountReconciliation("credit_packs_expired", packs);

        // Unverified callbacks are kept only as excerpts, and only for the retention period (contract §10.4).
        var pruned = await webhookEvents.PruneUnverifiedAsync(clock.UtcNow.AddDays(-options.RetentionDays), stopping);
        report.CountReconciliation("webhook_events_pruned", pruned);
        // Callbacks a crash caught mid-way (answered nothing, so resent): closed once no handling can still be under way.
        report.CountReconciliation("webhook_events_interrupted",
            await webhookEvents.CloseInterruptedAsync(clock.UtcNow.AddMinutes(-5), stopping));

        // Reminders (contract §8.3): each at most once, enforced by the database; the outbox emails them.
        var queued = await reminders.QueueDueAsync(stopping);
        report.CountReconciliation("upcoming_renewal_reminders", queued.UpcomingRenewals);
        report.CountReconciliation("payment_reminders", queued.PaymentReminders);
        report.CountReconciliation("trial_will_end_reminders", queued.TrialWillEnd);

        // Yearly plans' monthly allowances (contract §11.1): each (invoice, month) once, held by the ledger's key.
        report.CountReconciliation("allowances_granted", await allowances.GrantDueAsync(stopping));

        // The outbox keeps what was sent for the same retention period; dead rows stay for a person.
        var cutoff = clock.UtcNow.AddDays(-options.RetentionDays);
        report.CountReconciliation("deliveries_pruned", await deliveries.PruneAsync(cutoff, stopping));

        // Idempotency-Key answers live BILLING_IDEMPOTENCY_HOURS; after that the key may be used again.
        report.CountReconciliation("idempotency_keys_pruned",
            await IdempotencyFilter.PruneAsync(db, clock.UtcNow.AddHours(-options.IdempotencyHours), stopping));

        // Portal links and sessions (contract §14) a week past their expiry (PortalOptions.Retention, docs/portal.md).
        var (links, sessions) = await PortalSessionStore.PruneAsync(db, clock.UtcNow - PortalOptions.Retention, stopping);
        report.CountReconciliation("portal_links_pruned", links);
        report.CountReconciliation("portal_sessions_pruned", sessions);
    }
}
