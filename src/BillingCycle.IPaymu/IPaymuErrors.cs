namespace BillingCycle.IPaymu;

/// <summary>An iPaymu call failed; the subclass says whether the billing engine may blame the payment.</summary>
public abstract class IPaymuException : Exception
{
    protected IPaymuException(string message, Exception? inner = null) : base(message, inner) { }
}

/// <summary>
/// iPaymu answered and said no (bad request, unauthorized, amount limits). Carries iPaymu's
/// own message. Repeating the same call will not help.
/// </summary>
public sealed class IPaymuRejectedException(int status, string gatewayMessage, string? body = null)
    : IPaymuException($"iPaymu rejected the request ({status}): {gatewayMessage}")
{
    public int Status { get; } = status;
    public string GatewayMessage { get; } = gatewayMessage;
    public string? Body { get; } = body;
}

/// <summary>
/// iPaymu could not be asked or did not answer usably: time-out, connection failure, 5xx,
/// circuit open, unreadable answer, or no credentials configured. Not the customer's fault.
/// </summary>
public sealed class IPaymuUnavailableException(string reason, Exception? inner = null)
    : IPaymuException($"iPaymu unavailable: {reason}", inner)
{
    public string Reason { get; } = reason;
}
