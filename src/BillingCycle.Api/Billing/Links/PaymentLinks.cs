using System.Globalization;
using BillingCycle.Api.Infrastructure.Gateway;
using BillingCycle.Api.Infrastructure.Observability;
using BillingCycle.Api.Infrastructure.Time;
using BillingCycle.Api.Jobs;
using BillingCycle.Api.Settlement;
using BillingCycle.IPaymu;
using BillingCycle.IPaymu.Models;
using Serilog.Context;

namespace BillingCycle.Api.Billing.Links;

/// <summary>
/// Makes a payment attempt live at iPaymu (a redirect payment) and records what happened:
/// created → link stored and customer notified; rejected → the attempt fails and dunning moves;
/// unavailable → nothing is blamed on the customer, the attempt waits for the next run.
/// </summary>
public sealed partial class PaymentLinks(
    IPaymuClient ipaymu, IPaymuCircuit circuit, GatewaySlots slots, PaymentLinkStore store, AttemptSettler settler,
    BillingOptions options, BillingClock clock, ILogger<PaymentLinks> logger)
{
    /// <summary>One attempt, its answer recorded at once (checkout, pay now, the per-subscription path).</summary>
    public Task<LinkOutcome> CreateAsync(PaymentWork work) => CreateAsync(work, new RecordNow(store));

    /// <summary>One attempt; a made link or a deferral is recorded by <paramref name="recorder"/> (a page's batch).</summary>
    public async Task<LinkOutcome> CreateAsync(PaymentWork work, ILinkRecorder recorder)
    {
        using var _ = LogContext.PushProperty("InvoiceId", work.InvoiceId);
        using var __ = LogContext.PushProperty("SubscriptionId", work.SubscriptionId);
        if (work.Amount == 0)
        {
            // Nothing to collect: a free plan's period is paid as soon as it is invoiced.
            var free = await settler.SettleFreeAsync(work.PaymentId);
            return free.Applied ? new LinkOutcome(LinkStatus.Paid) : new LinkOutcome(LinkStatus.Error, Error: free.Label);
        }
        if (options.NotifyUrl is null || options.AppUrl is null)
        {
            return await recorder.DeferredAsync(work, "PUBLIC_BASE_URL and APP_URL must be set to create payments");
        }

        var request = new RedirectPaymentRequest
        {
            Product = [ProductName(work)],
            Qty = [1],
            Price = [work.Amount],
            Description = [$"{work.InvoiceNumber} {work.PeriodStart.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)} to {work.PeriodEnd.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}"],
            // Back to the web app (contract §2), naming the invoice by its id (never its pay page's token).
            ReturnUrl = options.ReturnUrl(work.InvoiceId)!.ToString(),
            CancelUrl = new Uri(options.AppUrl, "/billing?payment=cancelled").ToString(),
            NotifyUrl = options.NotifyUrl.ToString(),
            ReferenceId = work.ReferenceId,
            BuyerName = BuyerDetails.Name(work.BuyerName, work.BuyerEmail, work.UserId),
            BuyerEmail = BuyerDetails.Email(work.BuyerEmail, work.UserId),
            BuyerPhone = BuyerDetails.Phone(work.BuyerPhone),
            Expired = options.PaymentExpiryHours,
            FeeDirection = "MERCHANT",
        };

        try
        {
            // The slot is held until the link is recorded, not only during the call: after a crash
            // the next run asks iPaymu again for every link made but not recorded, and this keeps
            // those at most BILLING_GATEWAY_CONCURRENCY, however the answers are batched.
            return await slots.RunAsync(async () =>
            {
                var created = await CreateWithCircuitAsync(request);
                var expires = clock.UtcNow.AddHours(options.PaymentExpiryHours);
                BillingMetrics.PaymentOutcomes.Add(1, new("outcome", "created"), new("reason", "ok"));
                return await recorder.MadeAsync(work, new LinkMade(work.PaymentId, created.SessionId, created.Url, expires, created.Raw));
            });
        }
        catch (IPaymuRejectedException ex)
        {
            LogRejected(logger, work.ReferenceId, ex.Status, ex.GatewayMessage);
            var failed = await settler.FailRefusedAsync(work.PaymentId, ex.GatewayMessage);
            return new LinkOutcome(failed.Failure == FailOutcome.Canceled ? LinkStatus.Canceled : LinkStatus.Failed, Error: ex.GatewayMessage);
        }
        catch (IPaymuUnavailableException ex)
        {
            return await recorder.DeferredAsync(work, ex.Reason);
        }
    }

    /// <summary>
    /// Refused by a half-open breaker means a trial call is deciding whether iPaymu is back: wait
    /// briefly and try again, so a run that starts just after an outage does not defer everyone.
    /// An open breaker means iPaymu is down: give up at once (the run stays fast).
    /// </summary>
    private async Task<RedirectPaymentResult> CreateWithCircuitAsync(RedirectPaymentRequest request)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await ipaymu.CreateRedirectPaymentAsync(request, CancellationToken.None);
            }
            catch (IPaymuUnavailableException ex) when (ex.Reason == "circuit open" && !circuit.IsOpen && attempt < 50)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100));
            }
        }
    }

    /// <summary>What the customer sees at iPaymu as the thing being paid for.</summary>
    private static string ProductName(PaymentWork w) => w.InvoiceKind switch
    {
        "subscription_create" => $"{w.PlanName} Subscription",
        "plan_change" => $"Upgrade to {w.PlanName}",
        "credit_pack" => $"Credit pack {w.PlanName}",
        _ when w.RetryNumber is > 0 and var retry => $"{w.PlanName} Subscription Renewal (Retry #{retry})",
        _ => $"{w.PlanName} Subscription Renewal",
    };

    /// <summary>The outcome of a deferral once it is recorded.</summary>
    public static LinkOutcome Deferred(string reason)
    {
        BillingMetrics.PaymentOutcomes.Add(1, new("outcome", "deferred"), new("reason", "gateway_unavailable"));
        return new LinkOutcome(LinkStatus.Deferred, Error: $"iPaymu unavailable: {reason}");
    }

    /// <summary>Records each answer as it comes (one attempt at a time).</summary>
    private sealed class RecordNow(PaymentLinkStore store) : ILinkRecorder
    {
        public async ValueTask<LinkOutcome> MadeAsync(PaymentWork work, LinkMade made)
        {
            await store.AttachAsync(made.PaymentId, made.SessionId, made.Url, made.ExpiresAt, made.Raw);
            return new LinkOutcome(LinkStatus.Created, made.Url, made.ExpiresAt);
        }

        public async ValueTask<LinkOutcome> DeferredAsync(PaymentWork work, string reason)
        {
            await store.DeferAsync(work.PaymentId, reason);
            return Deferred(reason);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "iPaymu rejected payment {ReferenceId} ({Status}): {GatewayMessage}")]
    private static partial void LogRejected(ILogger logger, string referenceId, int status, string gatewayMessage);
}
