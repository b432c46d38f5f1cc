namespace BillingCycle.IPaymu;

/// <summary>iPaymu connection and resilience settings (IPAYMU_* variables, contract §2).</summary>
public sealed class IPaymuOptions
{
    public static readonly Uri ProductionHost = new("https://my.ipaymu.com");
    public static readonly Uri SandboxHost = new("https://sandbox.ipaymu.com");

    /// <summary>Merchant VA number: signs requests and keys the callback HMAC.</summary>
    public string? Va { get; set; }

    /// <summary>API key: signs requests. Never logged.</summary>
    public string? ApiKey { get; set; }

    public bool Sandbox { get; set; }

    /// <summary>Scheme, host and port only; /api/v2/... is appended.</summary>
    public Uri? BaseUrl { get; set; }

    /// <summary>Time-out of one HTTP attempt.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Time-out of a whole call including its retries.</summary>
    public TimeSpan TotalTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Retries for calls that are safe to repeat (never payment creation).</summary>
    public int MaxRetries { get; set; } = 2;

    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(300);

    public double BreakerFailureRatio { get; set; } = 0.5;

    public int BreakerMinimumThroughput { get; set; } = 10;

    public TimeSpan BreakerSamplingDuration { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan BreakerBreakDuration { get; set; } = TimeSpan.FromSeconds(30);

    public bool IsConfigured => !string.IsNullOrWhiteSpace(Va) && !string.IsNullOrWhiteSpace(ApiKey);

    public Uri Host => BaseUrl ?? (Sandbox ? SandboxHost : ProductionHost);
}
