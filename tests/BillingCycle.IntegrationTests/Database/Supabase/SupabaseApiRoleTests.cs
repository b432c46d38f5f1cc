using Npgsql;
using static BillingCycle.IntegrationTests.Database.Supabase.SupabaseDatabase;

namespace BillingCycle.IntegrationTests.Database.Supabase;

/// <summary>
/// contract §10.2 as the API roles meet it through PostgREST: logged in as authenticator, the claims
/// in request.jwt.claims and the role switched for the transaction.
/// </summary>
[Collection(SupabaseCollection.Name)]
public sealed class SupabaseApiRoleTests(SupabaseDatabase db)
{
    private static readonly string[] UserTables =
        ["subscriptions", "invoices", "credit_balances", "credit_transactions", "notifications"];

    [Theory]
    [InlineData("SELECT count(*) FROM schema_migrations")]
    [InlineData("INSERT INTO schema_migrations (name, checksum) VALUES ('9999_future.sql', 'x')")]
    [InlineData("DELETE FROM schema_migrations")]
    [InlineData("TRUNCATE webhook_events")]
    [InlineData("TRUNCATE schema_migrations")]
    [InlineData("SELECT setval('invoice_number_seq', 1)")]
    [InlineData("SELECT nextval('invoice_number_seq')")]
    [InlineData("SELECT count(*) FROM users")]
    [InlineData("SELECT count(*) FROM subscription_plans")]
    [InlineData("SELECT get_credit_balance('user_supabase_a', 'scraper')")]
    [InlineData("SELECT add_scraper_credits('user_supabase_a', 1000000, NULL, NULL)")]
    public async Task Anon_is_refused_what_it_could_do_before(string sql)
    {
        await AssertRefusedAsync("anon", null, sql);
    }

    [Theory]
    [InlineData("SELECT count(*) FROM schema_migrations")]
    [InlineData("INSERT INTO schema_migrations (name, checksum) VALUES ('9999_future.sql', 'x')")]
    [InlineData("TRUNCATE notifications")]
    [InlineData("SELECT setval('invoice_number_seq', 1)")]
    [InlineData("SELECT count(*) FROM users")]
    [InlineData("SELECT count(*) FROM payments")]
    [InlineData("SELECT count(*) FROM webhook_events")]
    [InlineData("INSERT INTO notifications (user_id, type, title, message) VALUES ('user_supabase_a', 't', 't', 'm')")]
    [InlineData("UPDATE notifications SET title = 'changed'")]
    [InlineData("UPDATE notifications SET user_id = 'user_supabase_b'")]
    [InlineData("DELETE FROM notifications")]
    [InlineData("UPDATE invoices SET status = 'paid', paid_at = now()")]
    [InlineData("INSERT INTO credit_balances (user_id, credit_type, balance) VALUES ('user_supabase_a', 'scraper', 99)")]
    [InlineData("SELECT get_credit_balance('user_supabase_a', 'scraper')")]
    [InlineData("SELECT reset_interaction_credits('user_supabase_a', 1000000, NULL, NULL)")]
    [InlineData("SELECT cancel_subscription(id, 'x') FROM subscriptions")]
    public async Task Authenticated_is_refused_everything_beyond_its_reads_and_read_at(string sql)
    {
        await AssertRefusedAsync("authenticated", UserA, sql);
    }

    [Fact]
    public async Task Authenticated_sees_only_the_rows_of_the_user_in_its_claims()
    {
        foreach (var user in new[] { UserA, UserB })
        {
            foreach (var table in UserTables)
            {
                var own = await db.ScalarAsync<long>($"SELECT count(*) FROM {table} WHERE user_id = $1", user);
                var all = await db.ScalarAsync<long>($"SELECT count(*) FROM {table}");
                Assert.True(own > 0 && all > own, $"{table}: the seed must give both users rows");

                var seen = await db.AsAsync("authenticated", user, c => ScalarAsync<long>(c, $"SELECT count(*) FROM {table}"));
                var others = await db.AsAsync("authenticated", user,
                    c => ScalarAsync<long>(c, $"SELECT count(*) FROM {table} WHERE user_id <> $1", user));
                Assert.Equal(own, seen);
                Assert.Equal(0L, others);
            }
        }
    }

    [Fact]
    public async Task Authenticated_without_claims_sees_no_row()
    {
        foreach (var table in UserTables)
        {
            Assert.Equal(0L, await db.AsAsync("authenticated", null, c => ScalarAsync<long>(c, $"SELECT count(*) FROM {table}")));
        }
    }

    [Fact]
    public async Task Authenticated_sees_the_active_plans_only()
    {
        var seen = await db.AsAsync("authenticated", UserA,
            c => ScalarAsync<string>(c, "SELECT string_agg(name, ',' ORDER BY name) FROM subscription_plans"));
        Assert.Equal(1L, await db.ScalarAsync<long>("SELECT count(*) FROM subscription_plans WHERE NOT is_active"));
        Assert.Equal("Pro", seen);
    }

    [Fact]
    public async Task Authenticated_marks_only_its_own_notifications_read()
    {
        var unreadOfB = await db.ScalarAsync<long>("SELECT count(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL", UserB);
        var updated = await db.AsAsync("authenticated", UserA, async c =>
        {
            await using var cmd = new NpgsqlCommand("UPDATE notifications SET read_at = now() WHERE read_at IS NULL", c);
            return await cmd.ExecuteNonQueryAsync();
        }, commit: true);

        Assert.True(unreadOfB > 0);
        Assert.True(updated > 0);
        Assert.Equal(0L, await db.ScalarAsync<long>("SELECT count(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL", UserA));
        Assert.Equal(unreadOfB, await db.ScalarAsync<long>("SELECT count(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL", UserB));
    }

    [Fact]
    public async Task Service_role_does_what_the_web_app_needs()
    {
        var outcome = await db.AsAsync("service_role", "user_web_server", async c =>
        {
            // Read and write users, plans and subscriptions.
            await ScalarAsync<int>(c, "INSERT INTO users (id, email) VALUES ('user_web_new', 'n@example.com') RETURNING 1");
            await ScalarAsync<int>(c, "UPDATE users SET full_name = 'New' WHERE id = 'user_web_new' RETURNING 1");
            var plan = await ScalarAsync<Guid>(c,
                "INSERT INTO subscription_plans (name, price, interaction_credits, scraper_credits) VALUES ('Web', 1000, 1, 1) RETURNING id");
            await ScalarAsync<int>(c, "UPDATE subscription_plans SET is_active = false WHERE id = $1 RETURNING 1", plan);
            var sub = await ScalarAsync<Guid>(c,
                "INSERT INTO subscriptions (user_id, plan_id) VALUES ('user_web_new', $1) RETURNING id", plan);
            await ScalarAsync<int>(c, "UPDATE subscriptions SET cancel_at_period_end = true WHERE id = $1 RETURNING 1", sub);
            var users = await ScalarAsync<long>(c, "SELECT count(*) FROM users");

            // Read every user's invoices, balances and notifications (BYPASSRLS).
            var reads = new Dictionary<string, long>();
            foreach (var t in new[] { "invoices", "credit_balances", "credit_transactions", "notifications" })
            {
                reads[t] = await ScalarAsync<long>(c, $"SELECT count(*) FROM {t}");
            }

            // The seed's SQL functions, as supabase.rpc calls them.
            var calls = new List<object>
            {
                await ScalarAsync<Guid>(c, "SELECT reset_interaction_credits('user_web_new', 10, 'web-1', 'web')"),
                await ScalarAsync<Guid>(c, "SELECT add_scraper_credits('user_web_new', 5, 'web-2', 'web')"),
                await ScalarAsync<long>(c, "SELECT get_credit_balance('user_web_new', 'scraper')"),
                await ScalarAsync<Guid>(c, "SELECT log_billing_event('web_test', $1, 'user_web_new', 'success', '{}'::jsonb, NULL)", sub),
                await ScalarAsync<long>(c, "SELECT count(*) FROM get_subscriptions_due_for_renewal(current_date + 400)"),
                await ScalarAsync<Guid>(c, "SELECT schedule_payment_retry($1, 1, now() + interval '1 day')", db.SubscriptionA),
                await ScalarAsync<long>(c, "SELECT count(*) FROM get_subscriptions_with_pending_retries(current_date + 2)"),
                await ScalarAsync<bool>(c, "SELECT cancel_subscription($1, 'web test')", db.SubscriptionA),
            };
            return (users, reads, calls);
        });

        Assert.Equal(await db.ScalarAsync<long>("SELECT count(*) FROM users") + 1, outcome.users);
        foreach (var (table, count) in outcome.reads)
        {
            Assert.Equal(await db.ScalarAsync<long>($"SELECT count(*) FROM {table}"), count);
            Assert.True(await db.ScalarAsync<long>($"SELECT count(DISTINCT user_id) FROM {table}") > 1, table);
        }
        Assert.Equal(5L, outcome.calls[2]);
        Assert.True((long)outcome.calls[4] >= 2, "both seeded subscriptions are due within 400 days");
        Assert.True((long)outcome.calls[6] >= 1, "the retry just scheduled is pending");
        Assert.True((bool)outcome.calls[7]);
    }

    private async Task AssertRefusedAsync(string role, string? sub, string sql)
    {
        var ex = await Assert.ThrowsAsync<PostgresException>(() => db.AsAsync(role, sub, async c =>
        {
            await using var cmd = new NpgsqlCommand(sql, c);
            return await cmd.ExecuteNonQueryAsync();
        }));
        // Refused by a missing privilege, not merely stopped by row-level security (same SQLSTATE,
        // "new row violates row-level security policy"): the grant itself must be gone.
        Assert.True(ex.SqlState == PostgresErrorCodes.InsufficientPrivilege
            && ex.MessageText.StartsWith("permission denied", StringComparison.Ordinal), $"{role}: {sql}: {ex.SqlState} {ex.MessageText}");
    }
}
