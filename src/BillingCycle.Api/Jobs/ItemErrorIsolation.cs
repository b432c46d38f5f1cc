using BillingCycle.Api.Infrastructure.Audit;
using Npgsql;

namespace BillingCycle.Api.Jobs;

/// <summary>
/// Error isolation for one item of a job (contract §6.3): one bad subscription never stops the batch.
/// Its exception becomes an "error" result, a billing log and a log line, and the job moves on.
/// </summary>
public sealed partial class ItemErrorIsolation(BillingLog log, ILogger<ItemErrorIsolation> logger)
{
    public async Task<JobResultRow?> RunAsync(string eventType, Guid? subscriptionId, Guid? invoiceId, long amount,
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
                await log.WriteAsync(eventType, subscriptionId, null, "error", new { invoice_id = invoiceId }, ex.Message);
            }
            catch (Exception logEx) when (logEx is NpgsqlException or TimeoutException)
            {
                // The database is away; the job summary and the alert still carry the error.
            }
            return new JobResultRow(subscriptionId, invoiceId, "error", amount, ex.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{EventType} of subscription {SubscriptionId} failed")]
    private static partial void LogFailed(ILogger logger, Exception ex, string eventType, Guid? subscriptionId);
}
