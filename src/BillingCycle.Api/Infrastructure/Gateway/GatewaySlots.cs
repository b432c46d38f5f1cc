namespace BillingCycle.Api.Infrastructure.Gateway;

/// <summary>
/// The bound on payment-creation calls in flight toward iPaymu from this process
/// (BILLING_GATEWAY_CONCURRENCY), shared by every job. Held only around the call itself: the
/// database work before and after it runs beside other calls, so the slots stay busy and a
/// slow gateway, not our own bookkeeping, sets the pace.
/// </summary>
public sealed class GatewaySlots(GatewayOptions options) : IDisposable
{
    private readonly SemaphoreSlim _slots = new(options.Concurrency, options.Concurrency);

    public async Task<T> RunAsync<T>(Func<Task<T>> call)
    {
        await _slots.WaitAsync();
        try
        {
            return await call();
        }
        finally
        {
            _slots.Release();
        }
    }

    /// <summary>A job's loop over its items: twice the gateway slots wide, so one item can be at the database while another waits on iPaymu.</summary>
    public ParallelOptions JobLoop(CancellationToken stopping) =>
        new() { MaxDegreeOfParallelism = options.Concurrency * 2, CancellationToken = stopping };

    /// <summary>Check-transaction calls one reconciliation pass makes at once.</summary>
    public int CheckParallelism => options.Concurrency;

    public void Dispose() => _slots.Dispose();
}
