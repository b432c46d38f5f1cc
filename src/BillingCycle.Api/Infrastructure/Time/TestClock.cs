using Microsoft.Extensions.Time.Testing;

namespace BillingCycle.Api.Infrastructure.Time;

/// <summary>
/// The movable clock behind BILLING_TEST_CLOCK: frozen until moved, only ever forward. Timers
/// created through it (the scheduler's waits) fire when the clock passes them.
/// </summary>
public sealed class TestClock(DateTimeOffset start) : FakeTimeProvider(start)
{
    private readonly Lock _gate = new();

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
            return true;
        }
    }
}
