using BillingCycle.Api.Billing.Links;

namespace BillingCycle.Api.Subscriptions;

public enum PayLinkResult { Ready, NotOpen, TooMany, GatewayUnavailable, Refused }

public sealed record PayLink(PayLinkResult Result, string? Url = null, DateTimeOffset? ExpiresAt = null, int? AttemptNumber = null, string? Error = null);

/// <summary>
/// The one pay-now rule (contract §7.6), for the API, the pay page and the operator console: the live
/// link when it has 30 minutes left, else a new attempt and a new iPaymu link — created by the same
/// PaymentLinks as renewals, confirmed later by the same settlement.
/// </summary>
public sealed class PayNow(LifecycleStore store, PaymentLinks links)
{
    public async Task<PayLink> LinkAsync(Guid invoiceId, CancellationToken ct)
    {
        var decision = await store.PayNowAsync(invoiceId, ct);
        switch (decision.Outcome)
        {
            case PayNowOutcome.Live:
                return new PayLink(PayLinkResult.Ready, decision.PaymentUrl, decision.ExpiresAt, decision.AttemptNumber);
            case PayNowOutcome.NotOpen:
                return new PayLink(PayLinkResult.NotOpen);
            case PayNowOutcome.TooMany:
                return new PayLink(PayLinkResult.TooMany);
        }
        var work = await store.WorkAsync(decision.PaymentId!.Value, ct);
        var link = await links.CreateAsync(work);
        return link.Status switch
        {
            LinkStatus.Created => new PayLink(PayLinkResult.Ready, link.Url, link.ExpiresAt, work.AttemptNumber),
            LinkStatus.Deferred => new PayLink(PayLinkResult.GatewayUnavailable, Error: link.Error),
            LinkStatus.Paid => new PayLink(PayLinkResult.NotOpen),
            _ => new PayLink(PayLinkResult.Refused, Error: link.Error),
        };
    }
}
