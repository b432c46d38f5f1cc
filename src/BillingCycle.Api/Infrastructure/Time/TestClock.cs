using System.Diagnostics;
using Microsoft.Extensions.Time.Testing;

namespace BillingCycle.Api.Infrastructure.Time;

/// <summary>
/// The movable clock behind BILLING_TEST_CLOCK: frozen until moved, only ever forward. Timers
/// created through it (the scheduler's waits) fire when the clock passes them.
/// </summary>
public sealed class TestClock(DateTimeOffset start) : FakeTimeProvider(start)
{
    private readonly Lock _gate = new();
    private DateTimeOffset _transportBase = start;
    private long _transportSince = Stopwatch.GetTimestamp();

    /// <summary>Moves the clock to <paramref name="to"/>; false when that would go backwards.</summary>
    public bool MoveTo(DateTimeOffset to)
    {
        lock (_gate)
        {
            var now = GetUtcNow();
            if (to < now)
            {
                return false;
            }
            Advance(to - now);
            // Transport time leaps with the clock, never back.
            var transport = _transportBase + Stopwatch.GetElapsedTime(_transportSince);
            _transportBase = transport > to ? transport : to;
            _transportSince = Stopwatch.GetTimestamp();
            return true;
        }
    }

    /// <summary>
    /// Transport time under the test clock (contract §6.9): it runs in real time while the clock
    /// is frozen, and moves on with the clock when it is moved, so a delivery's back-off passes in
    /// its real seconds and a day's leap still ends every lease.
    /// </summary>
    public DateTimeOffset TransportNow()
    {
        lock (_gate)
        {
            return _transportBase + Stopwatch.GetElapsedTime(_transportSince);
        }
    }
}
