using Polly.CircuitBreaker;

namespace BillingCycle.IPaymu;

/// <summary>
/// The state of the iPaymu circuit breaker, so callers can tell "iPaymu is down" (open: stop
/// trying) from "a trial call is under way" (half-open: wait a moment and try again).
/// </summary>
public sealed class IPaymuCircuit
{
    internal CircuitBreakerStateProvider Provider { get; } = new();

    public CircuitState State => Provider.CircuitState;

    /// <summary>True while calls are refused without being sent.</summary>
    public bool IsOpen => State is CircuitState.Open or CircuitState.Isolated;
}
