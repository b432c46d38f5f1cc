namespace BillingCycle.Api.Infrastructure.Gateway;

/// <summary>How this service uses iPaymu, beyond the client's own connection settings (IPaymuOptions).</summary>
public sealed class GatewayOptions
{
    /// <summary>BILLING_GATEWAY_CONCURRENCY: iPaymu calls in flight at once during a job (1..256).</summary>
    public int Concurrency { get; init; } = 8;

    /// <summary>IPAYMU_CALLBACK_SIGNATURE=required (default) refuses callbacks without X-Signature.</summary>
    public bool CallbackSignatureRequired { get; init; } = true;
}
