using Cronos;
using BillingCycle.Api.Jobs;
using BillingCycle.Api.Infrastructure;

namespace BillingCycle.Api.Scheduling;

/// <summary>BILLING_SCHEDULER_ENABLED, BILLING_RENEWAL_CRON, BILLING_RETRY_CRON and BILLING_HOUSEKEEPING_CRON (UTC).</summary>
public sealed class SchedulerOptions
{
    public bool Enabled { get; init; } = true;

    public required CronExpression Renewal { get; init; }

    public required CronExpression Retry { get; init; }

    public required CronExpression Housekeeping { get; init; }

    public CronExpression For(BillingJob job) => job switch
    {
        BillingJob.Renewal => Renewal,
        BillingJob.Retry => Retry,
        _ => Housekeeping,
    };

    public static SchedulerOptions FromConfiguration(IConfiguration c)
    {
        var enabled = (c["BILLING_SCHEDULER_ENABLED"] ?? "true").Trim().ToLowerInvariant() switch
        {
            "true" or "1" => true,
            "false" or "0" => false,
            _ => throw new StartupException("BILLING_SCHEDULER_ENABLED must be true or false"),
        };
        return new SchedulerOptions
        {
            Enabled = enabled,
            Renewal = Parse(c["BILLING_RENEWAL_CRON"], "0 2 * * *", "BILLING_RENEWAL_CRON"),
            Retry = Parse(c["BILLING_RETRY_CRON"], "0 3 * * *", "BILLING_RETRY_CRON"),
            Housekeeping = Parse(c["BILLING_HOUSEKEEPING_CRON"], "*/15 * * * *", "BILLING_HOUSEKEEPING_CRON"),
        };
    }

    private static CronExpression Parse(string? value, string fallback, string name)
    {
        var text = string.IsNullOrWhiteSpace(value) ? fallback : value.Trim();
        try
        {
            return CronExpression.Parse(text, text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length == 6
                ? CronFormat.IncludeSeconds : CronFormat.Standard);
        }
        catch (CronFormatException)
        {
            throw new StartupException($"{name} is not a valid cron expression (five fields, UTC), e.g. {fallback}");
        }
    }
}
