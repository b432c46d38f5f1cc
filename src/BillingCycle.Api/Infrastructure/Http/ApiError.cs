namespace BillingCycle.Api.Infrastructure.Http;

/// <summary>Every error answer: a human message and a stable code (contract §5).</summary>
public sealed record ApiError(string Error, string Code);

/// <summary>The stable codes clients rely on.</summary>
public static class ErrorCodes
{
    public const string InvalidAmount = "INVALID_AMOUNT";
    public const string InvalidJson = "INVALID_JSON";
    public const string InvalidRequest = "INVALID_REQUEST";
    public const string Unauthorized = "UNAUTHORIZED";
    public const string Forbidden = "FORBIDDEN";
    public const string NotFound = "NOT_FOUND";
    public const string IdempotencyKeyReused = "IDEMPOTENCY_KEY_REUSED";
    public const string IdempotencyKeyInUse = "IDEMPOTENCY_KEY_IN_USE";
    public const string InsufficientCredits = "INSUFFICIENT_CREDITS";
    public const string PayloadTooLarge = "PAYLOAD_TOO_LARGE";
    public const string UnsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE";
    public const string JobAlreadyRunning = "JOB_ALREADY_RUNNING";
    public const string InvalidSignature = "INVALID_SIGNATURE";
    public const string InvalidCallback = "INVALID_CALLBACK";
    public const string ClockBackwards = "CLOCK_BACKWARDS";
    public const string ServiceUnavailable = "SERVICE_UNAVAILABLE";
    public const string InternalError = "INTERNAL_ERROR";
    public const string RateLimited = "RATE_LIMITED";
    public const string InvalidPlan = "INVALID_PLAN";
    public const string PlanNotFound = "PLAN_NOT_FOUND";
    public const string PackNotFound = "PACK_NOT_FOUND";
    public const string PackPriceUnderMinimum = "PACK_PRICE_UNDER_MINIMUM";
    public const string TooManyOpenInvoices = "TOO_MANY_OPEN_INVOICES";
    public const string SubscriptionExists = "SUBSCRIPTION_EXISTS";
    public const string NoSubscription = "NO_SUBSCRIPTION";
    public const string SubscriptionNotActive = "SUBSCRIPTION_NOT_ACTIVE";
    public const string NotScheduledToCancel = "NOT_SCHEDULED_TO_CANCEL";
    public const string InvoiceNotFound = "INVOICE_NOT_FOUND";
    public const string InvoiceNotOpen = "INVOICE_NOT_OPEN";
    public const string TooManyAttempts = "TOO_MANY_ATTEMPTS";
    public const string GatewayUnavailable = "GATEWAY_UNAVAILABLE";
    public const string PaymentRefused = "PAYMENT_REFUSED";
    public const string InvalidTaxId = "INVALID_TAX_ID";
    public const string UserNotFound = "USER_NOT_FOUND";

    // Money outside iPaymu: payments recorded by an operator, refunds (contract §13).
    public const string AmountMismatch = "AMOUNT_MISMATCH";
    public const string InvalidMethod = "INVALID_METHOD";
    public const string InvalidReference = "INVALID_REFERENCE";
    public const string InvalidReason = "INVALID_REASON";
    public const string InvalidPaidAt = "INVALID_PAID_AT";
    public const string PaidAtInFuture = "PAID_AT_IN_FUTURE";
    public const string PaidAtBeforeInvoice = "PAID_AT_BEFORE_INVOICE";
    public const string InvoiceNotPaid = "INVOICE_NOT_PAID";
    public const string InvoiceAlreadyRefunded = "INVOICE_ALREADY_REFUNDED";
    public const string RefundExceedsPaid = "REFUND_EXCEEDS_PAID";
    public const string CreditNoteNotFound = "CREDIT_NOTE_NOT_FOUND";

    // The customer portal (contract §14).
    public const string InvalidReturnUrl = "INVALID_RETURN_URL";
    // Coupons (contract §11.3): creating one, redeeming one.
    public const string InvalidCouponCode = "INVALID_COUPON_CODE";
    public const string InvalidDiscount = "INVALID_DISCOUNT";
    public const string InvalidPercentOff = "INVALID_PERCENT_OFF";
    public const string InvalidAmountOff = "INVALID_AMOUNT_OFF";
    public const string InvalidDuration = "INVALID_DURATION";
    public const string InvalidRedeemBy = "INVALID_REDEEM_BY";
    public const string CouponCodeTaken = "COUPON_CODE_TAKEN";
    public const string CouponNotFound = "COUPON_NOT_FOUND";
    public const string CouponExpired = "COUPON_EXPIRED";
    public const string CouponExhausted = "COUPON_EXHAUSTED";
    public const string CouponNotApplicable = "COUPON_NOT_APPLICABLE";
    public const string CouponAlreadyRedeemed = "COUPON_ALREADY_REDEEMED";
    // Trials (contract §11.2).
    public const string TrialAlreadyUsed = "TRIAL_ALREADY_USED";
}

/// <summary>Error answers: always JSON {error, code} with the given status.</summary>
public static class Fail
{
    public static Microsoft.AspNetCore.Http.HttpResults.JsonHttpResult<ApiError> With(int status, string message, string code) =>
        TypedResults.Json(new ApiError(message, code), statusCode: status);

    /// <summary>Declares the error answers an endpoint may give, for the OpenAPI document.</summary>
    public static RouteHandlerBuilder ProducesErrors(this RouteHandlerBuilder b, params int[] statuses)
    {
        foreach (var s in statuses)
        {
            b.Produces<ApiError>(s, "application/json");
        }
        return b;
    }
}
