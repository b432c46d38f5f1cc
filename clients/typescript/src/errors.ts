// Errors as the service answers them: JSON {error, code} with a stable code (docs/contract.md §5
// and its table of codes). Branch on `code`, never on the human message.

/** The codes the service documents; a newer service may add codes, so `string` stays possible. */
export type KnownErrorCode =
  | "INVALID_JSON" | "INVALID_REQUEST" | "INVALID_AMOUNT" | "INVALID_PLAN" | "CLOCK_BACKWARDS"
  | "INVALID_CALLBACK" | "UNAUTHORIZED" | "INVALID_SIGNATURE" | "FORBIDDEN" | "NOT_FOUND"
  | "PLAN_NOT_FOUND" | "INVOICE_NOT_FOUND" | "NO_SUBSCRIPTION" | "IDEMPOTENCY_KEY_REUSED"
  | "IDEMPOTENCY_KEY_IN_USE" | "INSUFFICIENT_CREDITS" | "JOB_ALREADY_RUNNING"
  | "SUBSCRIPTION_EXISTS" | "SUBSCRIPTION_NOT_ACTIVE" | "NOT_SCHEDULED_TO_CANCEL"
  | "INVOICE_NOT_OPEN" | "PAYMENT_REFUSED" | "PAYLOAD_TOO_LARGE" | "UNSUPPORTED_MEDIA_TYPE"
  | "TOO_MANY_ATTEMPTS" | "RATE_LIMITED" | "SERVICE_UNAVAILABLE" | "GATEWAY_UNAVAILABLE"
  | "INTERNAL_ERROR" | "INVALID_TAX_ID" | "COUPON_NOT_FOUND" | "COUPON_EXPIRED"
  | "COUPON_EXHAUSTED" | "COUPON_NOT_APPLICABLE" | "COUPON_ALREADY_REDEEMED" | "PACK_NOT_FOUND"
  | "TOO_MANY_OPEN_INVOICES" | "AMOUNT_MISMATCH" | "REFUND_EXCEEDS_PAID" | "INVALID_RETURN_URL";

export type ErrorCode = KnownErrorCode | (string & {});

export interface ApiErrorBody {
  error: string;
  code: ErrorCode;
}

/** Thrown by `ok()` for any answer that is not a success. */
export class BillingApiError extends Error implements ApiErrorBody {
  readonly status: number;
  readonly code: ErrorCode;
  readonly error: string;

  constructor(status: number, body: ApiErrorBody) {
    super(`${status} ${body.code}: ${body.error}`);
    this.name = "BillingApiError";
    this.status = status;
    this.code = body.code;
    this.error = body.error;
  }
}

export function isBillingApiError(e: unknown, code?: ErrorCode): e is BillingApiError {
  return e instanceof BillingApiError && (code === undefined || e.code === code);
}
