using BillingCycle.TestSupport;
using BillingCycle.IntegrationTests.Infrastructure;
using Npgsql;

namespace BillingCycle.IntegrationTests.Database;

public sealed class SeedFunctionTests(DatabaseFixture fx) : IClassFixture<DatabaseFixture>
{
    private TestDatabase Db => fx.Db;

    [Fact]
    public async Task Reset_sets_the_balance_and_add_accumulates()
    {
        var user = await Seed.UserAsync(Db);
        await Db.ScalarAsync<Guid>("SELECT reset_interaction_credits($1, 100, NULL, NULL)", user);
        await Db.ScalarAsync<Guid>("SELECT reset_interaction_credits($1, 40, NULL, NULL)", user);
        await Db.ScalarAsync<Guid>("SELECT add_scraper_credits($1, 100, NULL, NULL)", user);
        await Db.ScalarAsync<Guid>("SELECT add_scraper_credits($1, 40, NULL, NULL)", user);

        Assert.Equal(40, await Db.ScalarAsync<long>("SELECT get_credit_balance($1, 'interaction')", user));
        Assert.Equal(140, await Db.ScalarAsync<long>("SELECT get_credit_balance($1, 'scraper')", user));
        // The reset's ledger row holds the signed change, so the ledger sums to the balance.
        Assert.Equal(-60, await Db.ScalarAsync<long>(
            "SELECT amount FROM credit_transactions WHERE user_id = $1 AND credit_type = 'interaction' ORDER BY created_at DESC, balance_after LIMIT 1", user));
        Assert.Equal(0, await Db.ScalarAsync<long>("SELECT get_credit_balance('nobody', 'scraper')"));
    }

    [Fact]
    public async Task A_repeated_reference_grants_once_and_returns_the_same_transaction()
    {
        var user = await Seed.UserAsync(Db);
        var a = await Db.ScalarAsync<Guid>("SELECT add_scraper_credits($1, 25, 'inv-1', 'grant')", user);
        var b = await Db.ScalarAsync<Guid>("SELECT add_scraper_credits($1, 25, 'inv-1', 'grant')", user);

        Assert.Equal(a, b);
        Assert.Equal(25, await Db.ScalarAsync<long>("SELECT get_credit_balance($1, 'scraper')", user));
    }

    [Fact]
    public async Task Concurrent_calls_for_one_user_keep_the_balance_equal_to_its_ledger()
    {
        var user = await Seed.UserAsync(Db);
        var calls = Enumerable.Range(0, 60).Select(i => i % 3 == 0
            ? Db.ScalarAsync<Guid>("SELECT reset_interaction_credits($1, $2, NULL, NULL)", user, (long)(i + 1))
            : Db.ScalarAsync<Guid>("SELECT add_scraper_credits($1, $2, NULL, NULL)", user, (long)(i + 1)));
        await Task.WhenAll(calls);

        foreach (var type in new[] { "interaction", "scraper" })
        {
            var balance = await Db.ScalarAsync<long>("SELECT get_credit_balance($1, $2)", user, type);
            var ledger = await Db.ScalarAsync<long>(
                "SELECT coalesce(sum(amount), 0) FROM credit_transactions WHERE user_id = $1 AND credit_type = $2", user, type);
            var last = await Db.ScalarAsync<long>(
                "SELECT balance_after FROM credit_transactions WHERE user_id = $1 AND credit_type = $2 ORDER BY created_at DESC, id LIMIT 1", user, type);
            Assert.Equal(balance, ledger);
            Assert.True(balance >= 0);
            if (type == "scraper")
            {
                var expected = Enumerable.Range(0, 60).Where(i => i % 3 != 0).Sum(i => (long)(i + 1));
                Assert.Equal(expected, balance);
            }
            Assert.True(last >= 0);
        }
    }

    [Fact]
    public async Task Log_billing_event_writes_a_row()
    {
        var id = await Db.ScalarAsync<Guid>(
            "SELECT log_billing_event('renewal', NULL, 'u1', 'success', '{\"a\":1}'::jsonb, NULL)");
        Assert.Equal("renewal|success|1", await Db.ScalarAsync<string>(
            "SELECT event_type || '|' || status || '|' || (details->>'a') FROM billing_logs WHERE id = $1", id));
    }

    [Fact]
    public async Task Constraints_refuse_a_second_invoice_for_a_period_a_negative_balance_and_an_unknown_status()
    {
        var user = await Seed.UserAsync(Db);
        var plan = await Seed.PlanAsync(Db);
        var start = new DateTimeOffset(2026, 1, 31, 10, 0, 0, TimeSpan.Zero);
        var sub = await Seed.SubscriptionAsync(Db, user, plan, start, start, start.AddMonths(1));
        const string insertInvoice = """
            INSERT INTO invoices (invoice_number, user_id, subscription_id, period_start, period_end, amount)
            VALUES ($1, $2, $3, $4, $5, 1000)
            """;
        await Db.ExecAsync(insertInvoice, "INV-A", user, sub, start.UtcDateTime, start.AddMonths(1).UtcDateTime);

        var dup = await Assert.ThrowsAsync<PostgresException>(() =>
            Db.ExecAsync(insertInvoice, "INV-B", user, sub, start.UtcDateTime, start.AddMonths(1).UtcDateTime));
        Assert.Equal(PostgresErrorCodes.UniqueViolation, dup.SqlState);

        var negative = await Assert.ThrowsAsync<PostgresException>(() =>
            Db.ExecAsync("INSERT INTO credit_balances (user_id, credit_type, balance) VALUES ($1, 'scraper', -1)", user));
        Assert.Equal(PostgresErrorCodes.CheckViolation, negative.SqlState);

        var status = await Assert.ThrowsAsync<PostgresException>(() =>
            Db.ExecAsync("UPDATE subscriptions SET status = 'paused' WHERE id = $1", sub));
        Assert.Equal(PostgresErrorCodes.CheckViolation, status.SqlState);

        var invoiceStatus = await Assert.ThrowsAsync<PostgresException>(() =>
            Db.ExecAsync("UPDATE invoices SET status = 'void' WHERE subscription_id = $1", sub));
        Assert.Equal(PostgresErrorCodes.CheckViolation, invoiceStatus.SqlState);
    }

    [Fact]
    public async Task Consuming_more_than_the_balance_is_refused_and_changes_nothing()
    {
        var user = await Seed.UserAsync(Db);
        await Db.ScalarAsync<Guid>("SELECT add_scraper_credits($1, 5, NULL, NULL)", user);
        var ex = await Assert.ThrowsAsync<PostgresException>(() =>
            Db.ScalarAsync<Guid>("SELECT apply_credit_change($1, 'scraper', 'consume', 6, 'c1', NULL)", user));
        Assert.Equal("BC409", ex.SqlState);
        Assert.Equal(5, await Db.ScalarAsync<long>("SELECT get_credit_balance($1, 'scraper')", user));
    }

    [Fact]
    public async Task Due_subscriptions_retries_and_cancellation_follow_the_rules()
    {
        var user = await Seed.UserAsync(Db);
        var plan = await Seed.PlanAsync(Db);
        var end = new DateTimeOffset(2026, 3, 1, 10, 0, 0, TimeSpan.Zero);
        var due = await Seed.SubscriptionAsync(Db, user, plan, end.AddMonths(-1), end.AddMonths(-1), end);
        // Another user: one live subscription per user (contract §7.2).
        var notYet = await Seed.SubscriptionAsync(Db, await Seed.UserAsync(Db), plan, end, end, end.AddMonths(1));

        var dueIds = await ListAsync("SELECT subscription_id FROM get_subscriptions_due_for_renewal('2026-03-01')");
        Assert.Contains(due, dueIds);
        Assert.DoesNotContain(notYet, dueIds);
        Assert.DoesNotContain(due, await ListAsync("SELECT subscription_id FROM get_subscriptions_due_for_renewal('2026-02-28')"));

        await Db.ExecAsync("""
            INSERT INTO invoices (invoice_number, user_id, subscription_id, period_start, period_end, amount, status)
            VALUES ('INV-X', $1, $2, $3, $4, 1000, 'failed')
            """, user, due, end.UtcDateTime, end.AddMonths(1).UtcDateTime);
        Assert.DoesNotContain(due, await ListAsync("SELECT subscription_id FROM get_subscriptions_due_for_renewal('2026-03-01')"));

        var r1 = await Db.ScalarAsync<Guid>("SELECT schedule_payment_retry($1, 1, $2)", due, end.AddDays(1).UtcDateTime);
        var r1Again = await Db.ScalarAsync<Guid>("SELECT schedule_payment_retry($1, 1, $2)", due, end.AddDays(1).UtcDateTime);
        Assert.Equal(r1, r1Again);
        Assert.Contains(r1, await ListAsync("SELECT retry_id FROM get_subscriptions_with_pending_retries('2026-03-02')"));
        Assert.DoesNotContain(r1, await ListAsync("SELECT retry_id FROM get_subscriptions_with_pending_retries('2026-03-01')"));

        Assert.True(await Db.ScalarAsync<bool>("SELECT cancel_subscription($1, 'Payment failed after 5 retry attempts')", due));
        Assert.False(await Db.ScalarAsync<bool>("SELECT cancel_subscription($1, 'again')", due));
        Assert.Equal("canceled|Payment failed after 5 retry attempts|cancelled|cancelled", await Db.ScalarAsync<string>("""
            SELECT s.status || '|' || s.cancel_reason || '|' || i.status || '|' || r.status
              FROM subscriptions s JOIN invoices i ON i.subscription_id = s.id JOIN payment_retries r ON r.invoice_id = i.id
             WHERE s.id = $1
            """, due));
    }

    private async Task<List<Guid>> ListAsync(string sql)
    {
        var list = new List<Guid>();
        await using var cmd = Db.DataSource.CreateCommand(sql);
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync())
        {
            list.Add(r.GetGuid(0));
        }
        return list;
    }
}
