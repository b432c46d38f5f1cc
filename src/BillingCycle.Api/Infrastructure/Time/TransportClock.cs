namespace BillingCycle.Api.Infrastructure.Time;

/// <summary>
/// Time for transport matters (contract §6.9): when a failed delivery is tried again and how long a
/// claimed one stays leased. Real time; under BILLING_TEST_CLOCK real time that also moves on when
/// the test clock is moved (<see cref="TestClock.TransportNow"/>), so a frozen clock never holds a
/// webhook that failed once past its 5 s.
/// </summary>
public sealed class TransportClock(Func<DateTimeOffset> now)
{
    public DateTimeOffset UtcNow => now();
}
