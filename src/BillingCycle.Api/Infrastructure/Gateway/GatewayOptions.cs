namespace BillingCycle.Api.Infrastructure.Gateway;

/// <summary>How this service uses iPaymu, beyond the client's own connection settings (IPaymuOptions).</summary>
public sealed class GatewayOptions
{
    /// <summary>BILLING_GATEWAY_CONCURRENCY: iPaymu calls in flight at once during a job (1..256).</summary>
    public int Concurrency { get; init; } = 8;

    /// <summary>Check-transaction calls made for callbacks at once, apart from the jobs' (contract §10.4).</summary>
    public int CallbackCheckConcurrency { get; init; } = 16;

    /// <summary>How long a callback waits for one of those slots before it is answered 503 (resend).</summary>
    public TimeSpan CallbackCheckWait { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>IPAYMU_CALLBACK_SIGNATURE=required (default) refuses callbacks without X-Signature.</summary>
    public bool CallbackSignatureRequired { get; init; } = true;
}
