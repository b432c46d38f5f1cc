using Npgsql;

namespace BillingCycle.Api.Billing.Jobs;

/// <summary>
/// One bad subscription never stops the batch (SPEC §6.3): its exception becomes an "error"
/// result, a billing log and a log line, and the job moves on.
/// </summary>
public sealed partial class SubscriptionGuard(BillingStore store, ILogger<SubscriptionGuard> logger)
{
    public async Task<JobResultRow?> RunAsync(string eventType, Guid subscriptionId, Guid? invoiceId, long amount,
        Func<Task<JobResultRow?>> work)
    {
        try
        {
            return await work();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogFailed(logger, ex, eventType, subscriptionId);
            try
            {
                await store.LogAsync(eventType, subscriptionId, null, "error", new { invoice_id = invoiceId }, ex.Message);
            }
            catch (Exception logEx) when (logEx is NpgsqlException or TimeoutException)
            {
                // The database is away; the job summary and the alert still carry the error.
            }
            return new JobResultRow(subscriptionId, invoiceId, "error", amount, ex.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{EventType} of subscription {SubscriptionId} failed")]
    private static partial void LogFailed(ILogger logger, Exception ex, string eventType, Guid subscriptionId);
}
