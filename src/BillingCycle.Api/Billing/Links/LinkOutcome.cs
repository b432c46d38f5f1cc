using BillingCycle.Api.Jobs;

namespace BillingCycle.Api.Billing.Links;

/// <summary>What became of an attempt sent to iPaymu.</summary>
public enum LinkStatus
{
    /// <summary>iPaymu made the link; the customer can pay.</summary>
    Created,

    /// <summary>Nothing to collect (a free invoice): paid at once.</summary>
    Paid,

    /// <summary>iPaymu could not be asked; the attempt waits for the next run (contract §4.7).</summary>
    Deferred,

    /// <summary>iPaymu refused it; the attempt failed and dunning moved.</summary>
    Failed,

    /// <summary>iPaymu refused it and that ended the subscription (the last retry).</summary>
    Canceled,

    Error,
}

public sealed record LinkOutcome(LinkStatus Status, string? Url = null, DateTimeOffset? ExpiresAt = null, string? Error = null)
{
    /// <summary>The job answer's row for this attempt (contract §5 result statuses).</summary>
    public JobResultRow ToRow(PaymentWork w) => new(w.SubscriptionId, w.InvoiceId, Status switch
    {
        LinkStatus.Created => "pending_payment",
        LinkStatus.Paid => "paid",
        LinkStatus.Deferred => "deferred",
        LinkStatus.Failed => "failed",
        LinkStatus.Canceled => "canceled",
        _ => "error",
    }, w.Amount, Error);
}
