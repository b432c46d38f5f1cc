// The web app's client for the BillingCycle API: openapi-fetch over the generated schema, plus
// the little the generated layer does not give: a session token per call, an Idempotency-Key
// helper, and errors as a typed {error, code} (docs/contract.md §5).
import createClient, { type Client, type Middleware } from "openapi-fetch";
import type { components, paths } from "./schema.js";
import { BillingApiError, type ApiErrorBody } from "./errors.js";

export type { components, paths } from "./schema.js";
export type Schemas = components["schemas"];
export type Invoice = Schemas["InvoiceView"];
export type Subscription = Schemas["SubscriptionView"];
export type CreditTransaction = Schemas["CreditTransactionItem"];
export type Plan = Schemas["PlanItem"];

export interface BillingClientOptions {
  /** The service's address, e.g. process.env.BILLING_API_URL ("https://billing.example.com"). */
  baseUrl: string;
  /** A fetch to use instead of the global one (tests, instrumentation). */
  fetch?: typeof globalThis.fetch;
}

export type BillingApi = Client<paths>;

export interface BillingClient {
  /** The API as the signed-in user whose Clerk session token this is (Authorization: Bearer). */
  as(sessionToken: string): BillingApi;
  /** The API with no token: plans, health. */
  anonymous: BillingApi;
}

/** Makes a client. One per process is enough: `as(token)` is cheap and shares nothing per user. */
export function createBillingClient(options: BillingClientOptions): BillingClient {
  const make = (token?: string): BillingApi => {
    const client = createClient<paths>({
      baseUrl: options.baseUrl.replace(/\/+$/, ""),
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
    if (token !== undefined) {
      client.use(bearer(token));
    }
    return client;
  };
  return { as: (token) => make(token), anonymous: make() };
}

function bearer(token: string): Middleware {
  return {
    onRequest({ request }) {
      request.headers.set("Authorization", `Bearer ${token}`);
      return request;
    },
  };
}

/**
 * A fresh Idempotency-Key: send the same one again when retrying the same action (a network
 * error, a time-out), and a repeat gets the first answer instead of a second change.
 */
export function idempotencyKey(): string {
  return globalThis.crypto.randomUUID();
}

type Answer<T> = { data?: T; error?: unknown; response: Response };

/**
 * The answer's data, or a thrown BillingApiError with the service's status and stable code:
 * `const { subscription } = await ok(api.POST("/api/subscriptions", {...}))`.
 */
export async function ok<T>(call: Promise<Answer<T>>): Promise<T> {
  const { data, error, response } = await call;
  if (response.ok && error === undefined) {
    return data as T;
  }
  throw new BillingApiError(response.status, asErrorBody(error, response));
}

function asErrorBody(error: unknown, response: Response): ApiErrorBody {
  if (typeof error === "object" && error !== null && "code" in error && "error" in error) {
    const e = error as { error: unknown; code: unknown };
    if (typeof e.code === "string" && typeof e.error === "string") {
      return { error: e.error, code: e.code };
    }
  }
  return { error: `HTTP ${response.status} ${response.statusText}`.trim(), code: "HTTP_" + response.status };
}
