// The client against a live service (started by scripts/client-test.sh: PostgreSQL, the API with
// a test clock, the iPaymu stand-in): what a Next.js route handler does, end to end, with the
// types the app would compile against.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  BillingApiError, createBillingClient, idempotencyKey, isBillingApiError, ok,
  verifyBillingWebhook, WebhookVerificationError, type BillingEvent,
} from "../src/index.js";

const env = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the live tests through scripts/client-test.sh`);
  return v;
};
const apiUrl = env("BILLING_API_URL");
const standinUrl = env("BILLING_STANDIN_URL");
const databaseUrl = env("DATABASE_URL");
const repo = env("BILLING_REPO");
const hookPort = Number(env("BILLING_HOOK_PORT"));
const hookSecret = env("BILLING_HOOK_SECRET");

const sql = (query: string): string =>
  execFileSync("psql", [databaseUrl, "-v", "ON_ERROR_STOP=1", "-qtAc", query], { encoding: "utf8" }).trim();
const token = (user: string): string =>
  execFileSync("bash", [`${repo}/scripts/token.sh`, user], { encoding: "utf8" }).trim();

async function eventually<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, seconds = 30): Promise<T> {
  const until = Date.now() + seconds * 1000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

type Received = { body: string; headers: IncomingHttpHeaders };
const received: Received[] = [];
let receiver: Server;

const run = randomBytes(4).toString("hex");
const user = `user_client_${run}`;
const starterId = sql(`INSERT INTO subscription_plans (name, price, interaction_credits, scraper_credits)
                       VALUES ('Client Starter ${run}', 49000, 200, 100) RETURNING id`);
const proId = sql(`INSERT INTO subscription_plans (name, price, interaction_credits, scraper_credits)
                   VALUES ('Client Pro ${run}', 149000, 1000, 500) RETURNING id`);
sql(`INSERT INTO users (id, email, full_name, phone) VALUES ('${user}', '${user}@example.com', 'Klien Uji', '081200000000')`);

const billing = createBillingClient({ baseUrl: apiUrl });
const api = billing.as(token(user));

describe("the typed client against a live service", () => {
  before(async () => {
    receiver = createServer((req, res) => {
      let body = "";
      req.setEncoding("utf8");
      req.on("data", (chunk: string) => (body += chunk));
      req.on("end", () => {
        received.push({ body, headers: req.headers });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(hookPort, "127.0.0.1", resolve));
  });
  after(() => new Promise<void>((resolve) => receiver.close(() => resolve())));

  test("plans are listed with their prices as numbers", async () => {
    const { plans } = await ok(billing.anonymous.GET("/api/plans"));
    const starter = plans.find((p) => p.id === starterId);
    assert.equal(starter?.price, 49000);
    assert.equal(typeof starter?.interaction_credits, "number");
  });

  const key = idempotencyKey();
  let subscriptionId = "";
  let checkoutInvoiceId = "";

  test("a checkout is paid on the stand-in and the subscription becomes active", async () => {
    const created = await ok(api.POST("/api/subscriptions", {
      body: { plan_id: starterId },
      params: { header: { "Idempotency-Key": key } },
    }));
    assert.equal(created.subscription.status, "incomplete");
    assert.equal(created.invoice?.kind, "subscription_create");
    assert.equal(created.invoice?.amount, 49000);
    assert.equal(created.invoice?.line_items.type, "subscription_create");
    assert.ok(created.payment_url, "iPaymu (the stand-in) gave a payment link");
    subscriptionId = created.subscription.id;
    checkoutInvoiceId = created.invoice?.id ?? "";

    const sid = new URL(created.payment_url).pathname.split("/").pop();
    const paid = await fetch(`${standinUrl}/_standin/payments/${sid}/pay`, { method: "POST" });
    assert.equal(paid.status, 200, "the stand-in accepted the payment");

    const active = await eventually("the subscription to be active", async () => {
      const { subscription } = await ok(api.GET("/api/subscriptions/current"));
      return subscription.status === "active" ? subscription : undefined;
    });
    assert.equal(active.id, subscriptionId);
    assert.equal(active.plan.id, starterId);
  });

  test("the same Idempotency-Key gets the first answer, not a second subscription", async () => {
    const again = await ok(api.POST("/api/subscriptions", {
      body: { plan_id: starterId },
      params: { header: { "Idempotency-Key": key } },
    }));
    assert.equal(again.subscription.id, subscriptionId);
    assert.equal(sql(`SELECT count(*) FROM subscriptions WHERE user_id = '${user}'`), "1");
  });

  test("a refusal arrives as a typed {error, code}", async () => {
    await assert.rejects(ok(api.POST("/api/subscriptions", { body: { plan_id: starterId } })), (e: unknown) => {
      assert.ok(isBillingApiError(e, "SUBSCRIPTION_EXISTS"));
      assert.equal((e as BillingApiError).status, 409);
      return true;
    });
    const { error, response } = await api.POST("/api/credits/{creditType}/consume", {
      params: { path: { creditType: "interaction" } },
      body: { amount: 0, reference_id: `zero-${run}` },
    });
    assert.equal(response.status, 400);
    assert.equal(error?.code, "INVALID_AMOUNT");
  });

  test("a portal session link signs the customer in once, then is spent", async () => {
    const session = await ok(api.POST("/api/portal/sessions", { body: { locale: "en" } }));
    assert.ok(Date.parse(session.expires_at) > 0, "expires_at is a date");
    const first = await fetch(session.url, { redirect: "manual" });
    assert.equal(first.status, 303, "the link redirects into the portal");
    assert.match(first.headers.get("location") ?? "", /\/portal/);
    assert.match(first.headers.get("set-cookie") ?? "", /__billing_portal=/);
    const again = await fetch(session.url, { redirect: "manual" });
    assert.equal(again.status, 410, "a used link is gone");
    await again.text();
    await first.text();
  });

  test("a return_url outside the app is a typed refusal", async () => {
    const answer = await api.POST("/api/portal/sessions", { body: { return_url: "https://evil.example/" } });
    assert.equal(answer.response.status, 400);
    assert.equal(answer.error?.code, "INVALID_RETURN_URL");
  });

  test("an upgrade makes a prorated plan_change invoice", async () => {
    const changed = await ok(api.POST("/api/subscriptions/current/change-plan", { body: { plan_id: proId } }));
    assert.equal(changed.subscription.plan.id, starterId, "the plan changes only when the upgrade is paid");
    assert.equal(changed.invoice?.kind, "plan_change");
    assert.equal(changed.invoice?.line_items.type, "plan_change");
    const amount = changed.invoice?.amount ?? 0;
    assert.ok(amount > 0 && amount <= 100000, `prorated difference ${amount} within (0, 100000]`);
    const page = await ok(api.GET("/api/invoices", { params: { query: { limit: "10" } } }));
    assert.deepEqual(page.invoices.map((i) => i.kind).sort(), ["plan_change", "subscription_create"]);
  });

  test("credits are consumed once per reference", async () => {
    const before = await ok(api.GET("/api/credits/balance"));
    assert.equal(before.interaction, 200);
    const reference = `message-${run}`;
    const spent = await ok(api.POST("/api/credits/{creditType}/consume", {
      params: { path: { creditType: "interaction" } },
      body: { amount: 5, reference_id: reference },
    }));
    assert.equal(spent.new_balance, 195);
    const repeat = await ok(api.POST("/api/credits/{creditType}/consume", {
      params: { path: { creditType: "interaction" } },
      body: { amount: 5, reference_id: reference },
    }));
    assert.equal(repeat.transaction_id, spent.transaction_id);
    assert.equal((await ok(api.GET("/api/credits/balance"))).interaction, 195);
  });

  test("a signed event reaches the app's receiver, verifies, and a tampered copy is refused", async () => {
    // Events carry the API's objects (contract §15.1): the checkout's invoice, as GET /api/invoices/{id} shows it.
    const paid = await eventually("a signed invoice.paid event", () => received.find((r) => {
      try {
        const e = JSON.parse(r.body) as { type?: string; data?: { object?: { id?: string } } };
        return e.type === "invoice.paid" && e.data?.object?.id === checkoutInvoiceId;
      } catch { return false; }
    }));
    const event: BillingEvent = verifyBillingWebhook(paid.body, paid.headers as Record<string, string>, hookSecret);
    assert.equal(event.id, paid.headers["webhook-id"]);
    assert.equal(event.type, "invoice.paid");
    if (event.type === "invoice.paid") {
      const invoice = await ok(api.GET("/api/invoices/{id}", { params: { path: { id: checkoutInvoiceId } } }));
      assert.equal(event.data.object.invoice_number, invoice.invoice_number);
      assert.equal(event.data.object.status, "paid");
      assert.equal(event.data.object.amount, 49000);
      assert.ok(!paid.body.includes("public_token"), "no pay-page credential in an event");
    }

    const tampered = paid.body.replace("49000", "4900");
    assert.notEqual(tampered, paid.body);
    assert.throws(() => verifyBillingWebhook(tampered, paid.headers as Record<string, string>, hookSecret), WebhookVerificationError);
    const otherSecret = "whsec_" + randomBytes(32).toString("base64");
    assert.throws(() => verifyBillingWebhook(paid.body, paid.headers as Record<string, string>, otherSecret), WebhookVerificationError);
  });
});
