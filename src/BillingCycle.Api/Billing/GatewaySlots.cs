namespace BillingCycle.Api.Billing;

/// <summary>
/// The bound on payment-creation calls in flight toward iPaymu from this process
/// (BILLING_GATEWAY_CONCURRENCY), shared by every job. Held only around the call itself: the
/// database work before and after it runs beside other calls, so the slots stay busy and a
/// slow gateway, not our own bookkeeping, sets the pace.
/// </summary>
public sealed class GatewaySlots(BillingOptions options) : IDisposable
{
    private readonly SemaphoreSlim _slots = new(options.GatewayConcurrency, options.GatewayConcurrency);

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

    /// <summary>How many subscriptions a job works on at once: twice the gateway slots, so one can be at the database while another waits on iPaymu.</summary>
    public int JobParallelism => options.GatewayConcurrency * 2;

    public void Dispose() => _slots.Dispose();
}
