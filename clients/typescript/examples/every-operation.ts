// Every operation the web app calls, once, as a Next.js server route would call it. It is
// compiled by `npm run typecheck` (and by the tests, which also check that renaming a field here
// breaks the build): when the service's contract changes, this file stops compiling.
import { createBillingClient, idempotencyKey, ok, isBillingApiError, verifyBillingWebhook } from "../src/index.js";

export async function everyOperation(token: string, adminToken: string, planId: string, invoiceId: string) {
  const billing = createBillingClient({ baseUrl: "http://127.0.0.1:8080" });
  const api = billing.as(token);
  const admin = billing.as(adminToken);

  const { plans } = await ok(billing.anonymous.GET("/api/plans"));
  const firstPlan: string | undefined = plans[0]?.name;

  const created = await ok(api.POST("/api/subscriptions", {
    body: { plan_id: planId },
    params: { header: { "Idempotency-Key": idempotencyKey() } },
  }));
  const status: string = created.subscription.status;
  const invoiceUrl: string | null | undefined = created.invoice?.invoice_url;

  const current = await ok(api.GET("/api/subscriptions/current"));
  const periodEnd: string | null = current.subscription.current_period_end;

  const changed = await ok(api.POST("/api/subscriptions/current/change-plan", { body: { plan_id: planId } }));
  const charged: number | undefined = changed.invoice?.amount;
  await ok(api.POST("/api/subscriptions/current/cancel", { body: { at_period_end: true } }));
  await ok(api.POST("/api/subscriptions/current/resume"));

  const page = await ok(api.GET("/api/invoices", { params: { query: { limit: "10" } } }));
  const numbers: string[] = page.invoices.map((i) => i.invoice_number);
  const one = await ok(api.GET("/api/invoices/{id}", { params: { path: { id: invoiceId } } }));
  const taxed: number | undefined = one.line_items.tax?.amount;
  const pay = await ok(api.POST("/api/invoices/{id}/pay", { params: { path: { id: invoiceId } } }));
  const link: string = pay.payment_url;

  const balance = await ok(api.GET("/api/credits/balance"));
  const scraper: number = balance.scraper;
  const ledger = await ok(api.GET("/api/credits/transactions", { params: { query: { credit_type: "interaction", limit: "20" } } }));
  const kinds: string[] = ledger.transactions.map((t) => t.kind);
  const spent = await ok(api.POST("/api/credits/{creditType}/consume", {
    params: { path: { creditType: "interaction" } },
    body: { amount: 1, reference_id: "chat-message-42" },
  }));
  const left: number = spent.new_balance;
  await ok(admin.POST("/api/credits/interaction/reset", { body: { amount: 100, user_id: "user_123" } }));
  await ok(admin.POST("/api/credits/scraper/add", { body: { amount: 50, user_id: "user_123" } }));

  const portal = await ok(api.POST("/api/portal/sessions", { body: { return_url: "https://app.example/settings", locale: "id" } }));
  const portalUrl: string = portal.url;
  const { credit_packs: packs } = await ok(billing.anonymous.GET("/api/credit-packs"));
  const packCredits: number | undefined = packs[0]?.credits;
  const bought = await ok(api.POST("/api/credit-packs/{id}/purchase", {
    params: { path: { id: packs[0]?.id ?? "" }, header: { "Idempotency-Key": idempotencyKey() } },
  }));
  const packInvoice: string = bought.invoice.id;
  await ok(api.POST("/api/subscriptions/current/coupon", { body: { coupon_code: "LAUNCH20" } }));
  const trial = await ok(api.POST("/api/subscriptions", { body: { plan_id: planId, trial: true, coupon_code: "LAUNCH20" } }));
  const trialEnd: string | null | undefined = trial.subscription.trial_end;

  const details = await ok(api.PUT("/api/billing-details", {
    body: { name: "PT Contoh", email: "finance@contoh.co.id", address: "Jakarta", tax_id_type: "npwp", tax_id: "0123456789012345", nitku: null },
  }));
  const taxId: string | null = details.tax_id;
  const stored = await ok(api.GET("/api/billing-details"));
  const buyer: string | null = stored.name;
  const pdf = await api.GET("/api/invoices/{id}/pdf", { params: { path: { id: invoiceId }, query: { lang: "en" } }, parseAs: "blob" });
  const pdfType: string | null = pdf.response.headers.get("content-type");
  const feed = await ok(billing.as("events-secret").GET("/api/billing/events", { params: { query: { after: undefined, limit: "100" } } }));
  const missed: string[] = feed.events.map((e) => e.type);
  const more: boolean = feed.has_more;

  try {
    await ok(api.POST("/api/subscriptions", { body: { plan_id: planId } }));
  } catch (e) {
    if (!isBillingApiError(e, "SUBSCRIPTION_EXISTS")) throw e;
  }

  const event = verifyBillingWebhook("{}", new Headers(), "whsec_c2VjcmV0");
  const number: string | undefined = event.type === "invoice.paid" ? event.data.object.invoice_number : undefined;

  return { taxId, buyer, pdfType, missed, more, portalUrl, packCredits, packInvoice, trialEnd, firstPlan, status, invoiceUrl, periodEnd, charged, numbers, taxed, link, scraper, kinds, left, number };
}
