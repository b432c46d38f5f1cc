namespace BillingCycle.Api.Deliveries;

public enum SendOutcome
{
    Sent,
    /// <summary>A temporary failure: tried again on the channel's schedule.</summary>
    Failed,
    /// <summary>A permanent refusal (SMTP 5xx, an address that cannot be mailed): dead at once.</summary>
    Refused,
    /// <summary>Nothing to send to (the user has no email).</summary>
    Skipped,
}

/// <summary>What one try of a delivery came to; <see cref="Detail"/> is stored as last_error and never holds a secret.</summary>
public sealed record SendResult(SendOutcome Outcome, string? Detail = null)
{
    public static readonly SendResult Sent = new(SendOutcome.Sent);

    public static SendResult Failed(string detail) => new(SendOutcome.Failed, Trim(detail));

    public static SendResult Refused(string detail) => new(SendOutcome.Refused, Trim(detail));

    public static SendResult Skipped(string detail) => new(SendOutcome.Skipped, detail);

    private static string Trim(string s) => s.Length <= 500 ? s : s[..500];
}
