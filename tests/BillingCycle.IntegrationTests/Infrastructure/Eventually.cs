namespace BillingCycle.IntegrationTests.Infrastructure;

/// <summary>
/// Waits (in real time, briefly) for background work the test set off to finish: the scheduler
/// runs on its own task after the fake clock fires its timer. Never used to let business time pass.
/// </summary>
public static class Eventually
{
    public static async Task<T> ValueAsync<T>(Func<Task<T>> read, Func<T, bool> done, int timeoutMs = 15_000)
    {
        var started = Environment.TickCount64;
        while (true)
        {
            var value = await read();
            if (done(value) || Environment.TickCount64 - started > timeoutMs)
            {
                return value;
            }
            await Task.Delay(50);
        }
    }

    public static Task<bool> TrueAsync(Func<Task<bool>> check, int timeoutMs = 15_000) =>
        ValueAsync(check, v => v, timeoutMs);
}
