namespace BillingCycle.IntegrationTests.Documentation;

/// <summary>
/// What each endpoint under /api takes and answers, as the contract (§5, §7) and README say: who may
/// call it, its request body's media types, its success status, and every error status it can
/// give (each a JSON {error, code}). The OpenAPI coverage test holds the document to this table,
/// and the table to the endpoints the app maps: a new endpoint fails the test until it is here.
/// </summary>
internal static class ApiContract
{
    public enum Auth { None, Clerk, Cron, Events }

    public sealed record Op(
        string Method, string Path, Auth Auth, int Success, int[] Errors, string[]? Body = null, bool BodyRequired = true,
        string Answer = "application/json", bool IdempotencyKey = false, int[]? SameShapeAnswers = null)
    {
        public string Key => $"{Method} {Path}";
    }

    private static readonly string[] Json = ["application/json"];
    private static readonly int[] JsonBodyErrors = [400, 401, 413, 415];
    private static readonly int[] UserWriteErrors = [.. JsonBodyErrors, 429];

    public static readonly Op[] All =
    [
        new("GET", "/api/plans", Auth.None, 200, []),
        new("GET", "/api/billing-details", Auth.Clerk, 200, [401, 403]),
        new("PUT", "/api/billing-details", Auth.Clerk, 200, [.. JsonBodyErrors, 403, 404], Json),
        new("POST", "/api/subscriptions", Auth.Clerk, 201, [.. UserWriteErrors, 403, 404, 409], Json, IdempotencyKey: true),
        new("GET", "/api/subscriptions/current", Auth.Clerk, 200, [401, 403, 404]),
        new("POST", "/api/subscriptions/current/cancel", Auth.Clerk, 200, [.. UserWriteErrors, 403, 404, 409], Json, BodyRequired: false, IdempotencyKey: true),
        new("POST", "/api/subscriptions/current/resume", Auth.Clerk, 200, [.. UserWriteErrors, 403, 404, 409], Json, BodyRequired: false, IdempotencyKey: true),
        new("POST", "/api/subscriptions/current/change-plan", Auth.Clerk, 200, [.. UserWriteErrors, 403, 404, 409], Json, IdempotencyKey: true),
        new("POST", "/api/subscriptions/current/coupon", Auth.Clerk, 200, [.. UserWriteErrors, 403, 404, 409], Json, IdempotencyKey: true),
        new("GET", "/api/invoices", Auth.Clerk, 200, [400, 401, 403]),
        new("GET", "/api/invoices/{id}", Auth.Clerk, 200, [401, 403, 404]),
        new("GET", "/api/invoices/{id}/pdf", Auth.Clerk, 200, [401, 403, 404, 429], Answer: "application/pdf"),
        new("POST", "/api/invoices/{id}/pay", Auth.Clerk, 200, [400, 401, 403, 404, 409, 413, 429, 503], IdempotencyKey: true),
        new("POST", "/api/admin/invoices/{id}/payments", Auth.Clerk, 201, [.. JsonBodyErrors, 403, 404, 409], Json, IdempotencyKey: true),
        new("POST", "/api/admin/invoices/{id}/refunds", Auth.Clerk, 201, [.. JsonBodyErrors, 403, 404, 409], Json, IdempotencyKey: true),
        new("POST", "/api/admin/coupons", Auth.Clerk, 201, [.. JsonBodyErrors, 403, 409], Json, IdempotencyKey: true),
        new("GET", "/api/admin/coupons", Auth.Clerk, 200, [401, 403]),
        new("POST", "/api/admin/coupons/{id}/deactivate", Auth.Clerk, 200, [400, 401, 403, 404, 409], IdempotencyKey: true),
        new("POST", "/api/credits/interaction/reset", Auth.Clerk, 200, [.. UserWriteErrors, 403, 409], Json, IdempotencyKey: true),
        new("POST", "/api/credits/scraper/add", Auth.Clerk, 200, [.. UserWriteErrors, 403, 409], Json, IdempotencyKey: true),
        new("GET", "/api/credits/balance", Auth.Clerk, 200, [401]),
        new("GET", "/api/credits/transactions", Auth.Clerk, 200, [400, 401]),
        new("POST", "/api/credits/{creditType}/consume", Auth.Clerk, 200, [.. UserWriteErrors, 409], Json),
        new("GET", "/api/credit-packs", Auth.None, 200, []),
        new("POST", "/api/credit-packs/{id}/purchase", Auth.Clerk, 201, [.. UserWriteErrors, 403, 404, 409], Json, BodyRequired: false, IdempotencyKey: true),
        new("POST", "/api/admin/credit-packs", Auth.Clerk, 201, [.. JsonBodyErrors, 403], Json, IdempotencyKey: true),
        new("POST", "/api/billing/webhook", Auth.None, 200, [400, 401, 413, 429, 503], ["application/x-www-form-urlencoded", "application/json"]),
        new("POST", "/api/billing/renew", Auth.Cron, 200, [401, 409]),
        new("POST", "/api/billing/retry", Auth.Cron, 200, [401, 409]),
        new("POST", "/api/billing/housekeeping", Auth.Cron, 200, [401, 409]),
        new("POST", "/api/billing/test-clock", Auth.Cron, 200, [.. JsonBodyErrors, 404], Json),
        new("GET", "/api/billing/test-clock", Auth.Cron, 200, [401, 404]),
        new("GET", "/api/billing/events", Auth.Events, 200, [400, 401, 404]),
        new("GET", "/api/billing/health", Auth.None, 200, [], SameShapeAnswers: [503]),
        new("POST", "/api/portal/sessions", Auth.Clerk, 201, [.. UserWriteErrors, 403], Json, BodyRequired: false),
    ];
}
