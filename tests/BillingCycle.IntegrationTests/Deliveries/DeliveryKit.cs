using BillingCycle.IntegrationTests.Infrastructure;
using BillingCycle.TestSupport;

namespace BillingCycle.IntegrationTests.Deliveries;

/// <summary>Settings and waits shared by the delivery tests.</summary>
public static class DeliveryKit
{
    public const string From = "Billing <billing@billing.test>";

    /// <summary>A Standard Webhooks secret: whsec_ and 32 random-looking bytes in base64.</summary>
    public const string WebhookSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw3ZS7bXAsHXg=";

    /// <summary>The worker looks every 100 ms in tests (5 s in production): passes are real time, retries business time.</summary>
    public static Dictionary<string, string?> Email(SmtpTestServer smtp, string locale = "id") => new()
    {
        ["SMTP_URL"] = smtp.Url,
        ["EMAIL_FROM"] = From,
        ["BILLING_LOCALE"] = locale,
        ["BILLING_DELIVERY_INTERVAL"] = "00:00:00.1",
    };

    public static Dictionary<string, string?> Webhooks(HttpTestReceiver app) => new()
    {
        ["APP_WEBHOOK_URL"] = new Uri(app.BaseUrl, "/billing-events").ToString(),
        ["APP_WEBHOOK_SECRET"] = WebhookSecret,
        ["BILLING_DELIVERY_INTERVAL"] = "00:00:00.1",
    };

    public static Dictionary<string, string?> With(this Dictionary<string, string?> a, Dictionary<string, string?> b)
    {
        var all = new Dictionary<string, string?>(a);
        foreach (var (k, v) in b)
        {
            all[k] = v;
        }
        return all;
    }

    /// <summary>Waits (real time) until the query's count reaches at least <paramref name="n"/>; returns the last count.</summary>
    public static Task<long> CountReachesAsync(TestDatabase db, string sql, long n, int timeoutMs = 30_000, params object?[] args) =>
        Eventually.ValueAsync(() => db.ScalarAsync<long>(sql, args), c => c >= n, timeoutMs);

    public static Task<bool> ReachesAsync(Func<bool> check, int timeoutMs = 30_000) =>
        Eventually.TrueAsync(() => Task.FromResult(check()), timeoutMs);

    /// <summary>Users with an email each, and one notification each, written as a billing function would.</summary>
    public static async Task SeedNotificationsAsync(TestDatabase db, int count, DateTimeOffset at, string prefix = "n")
    {
        await db.ExecAsync("""
            INSERT INTO users (id, email, full_name) SELECT $2 || g, $2 || g || '@example.com', 'Customer ' || g FROM generate_series(1, $1) g
            """, count, prefix);
        await db.ExecAsync("""
            INSERT INTO notifications (user_id, type, title, message, data, created_at)
            SELECT $2 || g, 'billing_payment_due', 'Payment Due', 'Your Pro subscription renewal of IDR 149,000 is due.',
                   jsonb_build_object('payment_url', 'https://pay.billing.test/p/' || g, 'amount', 149000), $3
              FROM generate_series(1, $1) g
            """, count, prefix, at.UtcDateTime);
    }
}
