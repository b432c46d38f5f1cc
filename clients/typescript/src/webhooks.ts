// Events the service POSTs to the web app (docs/contract.md §8.4, §15.1), verified with the
// Standard Webhooks library: the signature covers `webhook-id.webhook-timestamp.body`, and a
// timestamp more than five minutes away is refused (replays). Deduplicate by `webhook-id`.
import { Webhook, WebhookVerificationError } from "standardwebhooks";
import type { components } from "./schema.js";

export { WebhookVerificationError };

type Schemas = components["schemas"];

/** What each event's `data.object` is: exactly the API's answer for that object. */
export interface BillingEventObjects {
  "subscription.created": Schemas["SubscriptionView"];
  "subscription.activated": Schemas["SubscriptionView"];
  "subscription.renewed": Schemas["SubscriptionView"];
  "subscription.past_due": Schemas["SubscriptionView"];
  "subscription.canceled": Schemas["SubscriptionView"];
  "subscription.plan_changed": Schemas["SubscriptionView"];
  "subscription.trial_will_end": Schemas["SubscriptionView"];
  "invoice.created": Schemas["InvoiceView"];
  "invoice.paid": Schemas["InvoiceView"];
  "invoice.payment_failed": Schemas["InvoiceView"];
  "invoice.refunded": Schemas["InvoiceView"];
  "credits.granted": Schemas["CreditTransactionItem"];
  "credits.revoked": Schemas["CreditTransactionItem"];
}

export type BillingEventType = keyof BillingEventObjects;

/** One event, discriminated by `type`: `if (e.type === "invoice.paid") e.data.object.invoice_number`. */
export type BillingEvent = {
  [T in BillingEventType]: {
    type: T;
    /** When the change happened (the service's clock), ISO 8601. */
    timestamp: string;
    /** The webhook-id header: the same on every retry of this event. */
    id: string;
    data: { object: BillingEventObjects[T]; previous?: Partial<BillingEventObjects[T]> };
  };
}[BillingEventType];

export type WebhookHeaders =
  | Headers
  | Record<string, string | string[] | undefined>;

/**
 * Verifies a signed event and returns it typed. `payload` must be the raw body exactly as
 * received (`await request.text()`), not a re-serialised object. Throws WebhookVerificationError
 * when the signature, the timestamp or the headers are wrong.
 */
export function verifyBillingWebhook(payload: string, headers: WebhookHeaders, secret: string): BillingEvent {
  const h = {
    "webhook-id": header(headers, "webhook-id"),
    "webhook-timestamp": header(headers, "webhook-timestamp"),
    "webhook-signature": header(headers, "webhook-signature"),
  };
  const body = new Webhook(secret).verify(payload, h) as Omit<BillingEvent, "id">;
  if (typeof body !== "object" || body === null || typeof body.type !== "string" || typeof body.data !== "object") {
    throw new WebhookVerificationError("not a BillingCycle event");
  }
  return { ...body, id: h["webhook-id"] } as BillingEvent;
}

function header(headers: WebhookHeaders, name: string): string {
  const value = headers instanceof Headers
    ? headers.get(name)
    : Object.entries(headers).find(([k]) => k.toLowerCase() === name)?.[1];
  const one = Array.isArray(value) ? value[0] : value;
  if (typeof one !== "string" || one === "") {
    throw new WebhookVerificationError(`missing ${name} header`);
  }
  return one;
}
