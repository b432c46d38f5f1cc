namespace BillingCycle.TestSupport;

/// <summary>Small helpers that write the rows the web app would write (users, plans, subscriptions).</summary>
public static class Seed
{
    public static async Task<string> UserAsync(TestDatabase db, string? id = null, string? phone = "08123456789")
    {
        id ??= "user_" + Guid.NewGuid().ToString("N")[..12];
        await db.ExecAsync("INSERT INTO users (id, email, full_name, phone) VALUES ($1, $2, $3, $4)",
            id, $"{id}@example.com", "Putu Test", phone);
        return id;
    }

    public static Task<Guid> PlanAsync(TestDatabase db, long price = 149_000, long interaction = 1_000, long scraper = 500, string name = "Pro") =>
        db.ScalarAsync<Guid>(
            "INSERT INTO subscription_plans (name, price, interaction_credits, scraper_credits) VALUES ($1, $2, $3, $4) RETURNING id",
            name, price, interaction, scraper);

    public static Task<Guid> SubscriptionAsync(TestDatabase db, string userId, Guid planId,
        DateTimeOffset anchor, DateTimeOffset periodStart, DateTimeOffset periodEnd, bool cancelAtPeriodEnd = false) =>
        db.ScalarAsync<Guid>(
            """
            INSERT INTO subscriptions (user_id, plan_id, billing_anchor, current_period_start, current_period_end, cancel_at_period_end)
            VALUES ($1, $2, $3, $4, $5, $6) RETURNING id
            """,
            userId, planId, anchor.UtcDateTime, periodStart.UtcDateTime, periodEnd.UtcDateTime, cancelAtPeriodEnd);
}
