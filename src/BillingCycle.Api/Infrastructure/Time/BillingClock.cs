namespace BillingCycle.Api.Infrastructure.Time;

/// <summary>
/// The one clock of every billing decision (contract §6.9): due dates, periods, retry dates, expiry,
/// scheduler occurrences and timestamps written. It is kept apart from the DI-wide TimeProvider
/// on purpose: transport concerns (HTTP time-outs, circuit breaker, token lifetimes) must keep
/// real time even while the test clock is frozen.
/// </summary>
public sealed class BillingClock(TimeProvider time)
{
    public TimeProvider Time { get; } = time;

    public DateTimeOffset UtcNow => Time.GetUtcNow();

    /// <summary>The UTC calendar date a run checks due items against.</summary>
    public DateOnly Today => DateOnly.FromDateTime(UtcNow.UtcDateTime);
}
