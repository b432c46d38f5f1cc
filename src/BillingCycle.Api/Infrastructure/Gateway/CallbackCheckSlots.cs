namespace BillingCycle.Api.Infrastructure.Gateway;

/// <summary>
/// The bound on check-transaction calls that callbacks trigger (contract §10.4), apart from the jobs'
/// <see cref="GatewaySlots"/>: a storm of signed callbacks waits here, briefly, and is then told to
/// resend, instead of filling iPaymu's rate limit and the jobs' breaker.
/// </summary>
public sealed class CallbackCheckSlots(GatewayOptions options) : IDisposable
{
    private readonly SemaphoreSlim _slots = new(options.CallbackCheckConcurrency, options.CallbackCheckConcurrency);

    /// <summary>Runs the call in a slot; false when no slot freed up within the wait.</summary>
    public async Task<(bool Ran, T? Result)> TryRunAsync<T>(Func<Task<T>> call)
    {
        if (!await _slots.WaitAsync(options.CallbackCheckWait))
        {
            return (false, default);
        }
        try
        {
            return (true, await call());
        }
        finally
        {
            _slots.Release();
        }
    }

    public void Dispose() => _slots.Dispose();
}
