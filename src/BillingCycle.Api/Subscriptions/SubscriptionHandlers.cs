using System.Security.Claims;
using BillingCycle.Api.Billing.Links;
using BillingCycle.Api.Infrastructure.Auth;
using BillingCycle.Api.Infrastructure.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace BillingCycle.Api.Subscriptions;

/// <summary>What the subscription handlers need, bundled.</summary>
public sealed record SubscriptionServices(
    HttpRequest Request, ClaimsPrincipal User, LifecycleStore Lifecycle, SubscriptionReader Reader, PaymentLinks Links,
    CancellationToken Cancellation);

/// <summary>Checkout, the current subscription, cancel, resume and change plan (contract §7.2–§7.5).</summary>
public static class SubscriptionHandlers
{
    public static async Task<Ok<PlansAnswer>> Plans(SubscriptionReader reader, CancellationToken ct) =>
        TypedResults.Ok(new PlansAnswer(await reader.PlansAsync(ct)));

    public static async Task<Results<Created<SubscriptionChangeAnswer>, JsonHttpResult<ApiError>>> Checkout([AsParameters] SubscriptionServices s)
    {
        var body = await Body.ReadAsync(s.Request, required: true, s.Cancellation);
        if (body.Error is { } error)
        {
            return error;
        }
        if (Actor.For(s.User, body.UserId) is not { } userId)
        {
            return Forbidden();
        }
        if (body.PlanId is not { } planId)
        {
            return Fail.With(400, "plan_id must be the id of a plan", ErrorCodes.InvalidPlan);
        }
        var checkout = await s.Lifecycle.CheckoutAsync(userId, planId, body.CouponCode, s.Cancellation, body.Trial);
        switch (checkout.Outcome)
        {
            case CheckoutOutcome.PlanNotFound:
                return Fail.With(404, "No active plan with that id", ErrorCodes.PlanNotFound);
            case CheckoutOutcome.SubscriptionExists:
                return Fail.With(409, "This user already has a subscription; change its plan instead", ErrorCodes.SubscriptionExists);
            case CheckoutOutcome.CouponRefused:
                return CouponOutcomes.Refusal(checkout.Coupon);
            case CheckoutOutcome.Waived:
                // The discount left nothing to charge: already paid (charge_waived), no link.
                return TypedResults.Created("/api/subscriptions/current",
                    await AnswerAsync(s, userId, checkout.SubscriptionId!.Value, checkout.InvoiceId, null));
            case CheckoutOutcome.TrialAlreadyUsed:
                return Fail.With(409, "This user has already had a trial; check out without one", ErrorCodes.TrialAlreadyUsed);
            case CheckoutOutcome.Trialing:
                // A trial has nothing to pay until trial_end (contract §11.2): no invoice, no link.
                return TypedResults.Created("/api/subscriptions/current",
                    await AnswerAsync(s, userId, checkout.SubscriptionId!.Value, null, null));
        }
        // The link now when iPaymu answers; otherwise the pay page makes it later (still 201).
        var work = await s.Lifecycle.WorkAsync(checkout.PaymentId!.Value, s.Cancellation);
        var link = await s.Links.CreateAsync(work);
        var answer = await AnswerAsync(s, userId, checkout.SubscriptionId!.Value, checkout.InvoiceId, link.Url);
        return TypedResults.Created("/api/subscriptions/current", answer);
    }

    public static async Task<Results<Ok<CurrentSubscriptionAnswer>, JsonHttpResult<ApiError>>> Current(
        ClaimsPrincipal user, SubscriptionReader reader, [FromQuery(Name = "user_id")] string? requested, CancellationToken ct)
    {
        if (Actor.For(user, requested) is not { } userId)
        {
            return Forbidden();
        }
        if (await reader.CurrentAsync(userId, ct) is not { } subscription)
        {
            return NoSubscription();
        }
        return TypedResults.Ok(new CurrentSubscriptionAnswer(subscription, await reader.OpenInvoiceAsync(subscription.Id, ct)));
    }

    public static async Task<Results<Ok<CurrentSubscriptionAnswer>, JsonHttpResult<ApiError>>> Cancel([AsParameters] SubscriptionServices s)
    {
        var (body, target, refused) = await OptionalBodyAndTargetAsync(s);
        if (refused is not null)
        {
            return refused;
        }
        var outcome = await s.Lifecycle.CancelAsync(target.SubscriptionId, body.AtPeriodEnd ?? true, s.Cancellation);
        return outcome == CancelOutcome.NotActive ? NotActive() : TypedResults.Ok(await CurrentAnswerAsync(s, target.SubscriptionId));
    }

    public static async Task<Results<Ok<CurrentSubscriptionAnswer>, JsonHttpResult<ApiError>>> Resume([AsParameters] SubscriptionServices s)
    {
        var (_, target, refused) = await OptionalBodyAndTargetAsync(s);
        if (refused is not null)
        {
            return refused;
        }
        return await s.Lifecycle.ResumeAsync(target.SubscriptionId, s.Cancellation) switch
        {
            ResumeOutcome.NotScheduled => Fail.With(409, "The subscription is not set to cancel", ErrorCodes.NotScheduledToCancel),
            ResumeOutcome.NotActive => NotActive(),
            _ => TypedResults.Ok(await CurrentAnswerAsync(s, target.SubscriptionId)),
        };
    }

    public static async Task<Results<Ok<SubscriptionChangeAnswer>, JsonHttpResult<ApiError>>> ChangePlan([AsParameters] SubscriptionServices s)
    {
        var body = await Body.ReadAsync(s.Request, required: true, s.Cancellation);
        if (body.Error is { } error)
        {
            return error;
        }
        if (body.PlanId is not { } planId)
        {
            return Fail.With(400, "plan_id must be the id of a plan", ErrorCodes.InvalidPlan);
        }
        var target = await TargetAsync(s, body.UserId);
        if (target.Error is { } refused)
        {
            return refused;
        }
        var change = await s.Lifecycle.ChangePlanAsync(target.SubscriptionId, planId, s.Cancellation);
        switch (change.Outcome)
        {
            case PlanChangeOutcome.NotActive:
                return NotActive();
            case PlanChangeOutcome.PlanNotFound:
                return Fail.With(404, "No active plan with that id", ErrorCodes.PlanNotFound);
            case PlanChangeOutcome.Invoiced:
                var link = await s.Links.CreateAsync(await s.Lifecycle.WorkAsync(change.PaymentId!.Value, s.Cancellation));
                return TypedResults.Ok(await AnswerAsync(s, target.UserId, target.SubscriptionId, change.InvoiceId, link.Url));
            default:
                return TypedResults.Ok(await AnswerAsync(s, target.UserId, target.SubscriptionId, null, null));
        }
    }

    /// <summary>A coupon on the live subscription, from its next invoice on (contract §11.3).</summary>
    public static async Task<Results<Ok<CurrentSubscriptionAnswer>, JsonHttpResult<ApiError>>> RedeemCoupon([AsParameters] SubscriptionServices s)
    {
        var body = await Body.ReadAsync(s.Request, required: true, s.Cancellation);
        if (body.Error is { } error)
        {
            return error;
        }
        if (body.CouponCode is not { } code)
        {
            return Fail.With(400, "coupon_code must be a coupon's code", ErrorCodes.InvalidCouponCode);
        }
        var target = await TargetAsync(s, body.UserId);
        if (target.Error is { } refused)
        {
            return refused;
        }
        var (outcome, _) = await s.Lifecycle.RedeemCouponAsync(target.UserId, code, s.Cancellation);
        return outcome == CouponOutcome.Redeemed
            ? TypedResults.Ok(await CurrentAnswerAsync(s, target.SubscriptionId))
            : CouponOutcomes.Refusal(outcome);
    }

    private sealed record Target(string UserId, Guid SubscriptionId, JsonHttpResult<ApiError>? Error);

    /// <summary>Cancel and resume: an optional body (user_id for an admin, at_period_end), then the live subscription.</summary>
    private static async Task<(LifecycleBody Body, Target Target, JsonHttpResult<ApiError>? Refused)> OptionalBodyAndTargetAsync(SubscriptionServices s)
    {
        var body = await Body.ReadAsync(s.Request, required: false, s.Cancellation);
        if (body.Error is { } error)
        {
            return (body, new Target("", Guid.Empty, error), error);
        }
        var target = await TargetAsync(s, body.UserId);
        return (body, target, target.Error);
    }

    /// <summary>The caller's live subscription: the one cancel, resume and change-plan act on.</summary>
    private static async Task<Target> TargetAsync(SubscriptionServices s, string? requested)
    {
        if (Actor.For(s.User, requested) is not { } userId)
        {
            return new Target("", Guid.Empty, Forbidden());
        }
        if (await s.Lifecycle.LiveSubscriptionAsync(userId, s.Cancellation) is { } live)
        {
            return new Target(userId, live, null);
        }
        return new Target(userId, Guid.Empty, await s.Reader.CurrentAsync(userId, s.Cancellation) is null ? NoSubscription() : NotActive());
    }

    private static async Task<SubscriptionChangeAnswer> AnswerAsync(
        SubscriptionServices s, string userId, Guid subscriptionId, Guid? invoiceId, string? paymentUrl)
    {
        var subscription = (await s.Reader.SubscriptionAsync(subscriptionId, s.Cancellation))!;
        var invoice = invoiceId is { } id ? await s.Reader.InvoiceAsync(id, userId, s.Cancellation) : null;
        return new SubscriptionChangeAnswer(subscription, invoice, paymentUrl);
    }

    private static async Task<CurrentSubscriptionAnswer> CurrentAnswerAsync(SubscriptionServices s, Guid subscriptionId) =>
        new((await s.Reader.SubscriptionAsync(subscriptionId, s.Cancellation))!, await s.Reader.OpenInvoiceAsync(subscriptionId, s.Cancellation));

    internal static JsonHttpResult<ApiError> Forbidden() => Actor.Refused();

    private static JsonHttpResult<ApiError> NoSubscription() =>
        Fail.With(404, "This user has never had a subscription", ErrorCodes.NoSubscription);

    private static JsonHttpResult<ApiError> NotActive() =>
        Fail.With(409, "The subscription is not active", ErrorCodes.SubscriptionNotActive);
}
