namespace BillingCycle.Api.Infrastructure;

/// <summary>
/// A start-up problem an operator can fix (a bad setting, an unreachable database, a failing
/// migration). Its message is the one line printed before the process exits; it never holds a secret.
/// </summary>
public sealed class StartupException : Exception
{
    public StartupException(string message) : base(message) { }
    public StartupException(string message, Exception inner) : base(message, inner) { }
    public StartupException() { }
}
