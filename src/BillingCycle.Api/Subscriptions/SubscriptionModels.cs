using System.Text.Json;

namespace BillingCycle.Api.Subscriptions;

/// <summary>A plan on the price list (contract §7.1): billing_interval month or year, trial_days 0 for none (§11.1, §11.2).</summary>
public sealed record PlanItem(Guid Id, string Name, long Price, long InteractionCredits, long ScraperCredits, string BillingInterval, int TrialDays);

public sealed record PlansAnswer(IReadOnlyList<PlanItem> Plans);

public sealed record PlanRef(Guid Id, string Name, long Price, string BillingInterval);

/// <summary>A subscription as the web app sees it (contract §7.3).</summary>
public sealed record SubscriptionView(
    Guid Id, string Status, PlanRef Plan, DateTimeOffset? CurrentPeriodStart, DateTimeOffset? CurrentPeriodEnd,
    bool CancelAtPeriodEnd, DateTimeOffset? CanceledAt, string? CancelReason, PlanRef? ScheduledPlan, DateTimeOffset? TrialEnd);

/// <summary>An invoice as the web app sees it (contract §7.3); invoice_url is its public pay page.</summary>
public sealed record InvoiceView(
    Guid Id, string InvoiceNumber, string Kind, string Status, long Amount, string Currency,
    DateTimeOffset PeriodStart, DateTimeOffset PeriodEnd, JsonElement LineItems, DateTimeOffset CreatedAt,
    DateTimeOffset? PaidAt, string? InvoiceUrl, string? PdfUrl);

public sealed record CurrentSubscriptionAnswer(SubscriptionView Subscription, InvoiceView? OpenInvoice);

/// <summary>POST /api/subscriptions and change-plan: the subscription and the invoice to pay (null when nothing is charged).</summary>
public sealed record SubscriptionChangeAnswer(SubscriptionView Subscription, InvoiceView? Invoice, string? PaymentUrl);

public sealed record InvoicesAnswer(IReadOnlyList<InvoiceView> Invoices, string? NextCursor);

public sealed record PayNowAnswer(string PaymentUrl, DateTimeOffset ExpiresAt, int AttemptNumber);

/// <summary>Request bodies, for the OpenAPI document.</summary>
/// <param name="Trial">true asks for the plan's trial (409 TRIAL_ALREADY_USED for a user who had one), false declines it; unset: the trial when the user never had one (contract §11.2).</param>
public sealed record CheckoutBody(Guid PlanId, string? UserId, string? CouponCode, bool? Trial);

public sealed record RedeemCouponBody(string CouponCode, string? UserId);

public sealed record CancelBody(bool? AtPeriodEnd, string? UserId);

public sealed record ResumeBody(string? UserId);

public sealed record ChangePlanBody(Guid PlanId, string? UserId);
