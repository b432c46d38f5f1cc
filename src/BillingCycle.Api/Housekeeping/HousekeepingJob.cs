using BillingCycle.Api.Infrastructure.Time;
using BillingCycle.Api.Jobs;
using BillingCycle.Api.Webhooks;

namespace BillingCycle.Api.Housekeeping;

/// <summary>
/// The housekeeping job (SPEC §7.9), every 15 minutes by default: the small chores that keep the
/// billing world tidy between the daily runs. Each step reports what it did in the run's counts.
/// </summary>
public sealed class HousekeepingJob(WebhookEventStore webhookEvents, HousekeepingOptions options, BillingClock clock) : IBillingJobBody
{
    public BillingJob Job => BillingJob.Housekeeping;

    public string ProcessedNoun => "housekeeping items";

    public async Task RunAsync(JobReport report, CancellationToken stopping)
    {
        // Unverified callbacks are kept only as excerpts, and only for the retention period (SPEC §10.4).
        var pruned = await webhookEvents.PruneUnverifiedAsync(clock.UtcNow.AddDays(-options.RetentionDays), stopping);
        report.CountReconciliation("webhook_events_pruned", pruned);
    }
}
