using BillingCycle.TestSupport;

namespace BillingCycle.ProcessTests.Simulation;

/// <summary>
/// The checker can fail: each case breaks a generated history the way a defect would, and the
/// rule guarding it (and only that rule) fires — over the whole history and over the day's
/// changes the change log saw. A rule that can never fire would pass every simulated year.
/// </summary>
public sealed class InvariantCheckerTests
{
    private const string OnePaidInvoice = "(SELECT i.id FROM invoices i WHERE i.status = 'paid' ORDER BY i.invoice_number LIMIT 1)";
    private const string OneActiveSubscription = "(SELECT s.id FROM subscriptions s WHERE s.status = 'active' ORDER BY s.user_id LIMIT 1)";

    private const string Grants = "one interaction reset and one scraper grant per paid invoice, to its user, as its line items say";
    private const string Plus = "'00000000-0000-0000-0000-00000000a11e'";
    private const string Base = "'00000000-0000-0000-0000-00000000a11d'";

    public static TheoryData<string, string, string[]> Breaks => new()
    {
        {
            "credits granted other than the invoice's line items say",
            $"UPDATE invoices SET line_items = coalesce(line_items, '{{}}'::jsonb) || '{{\"interaction_credits\": 999}}' WHERE id = {OnePaidInvoice}",
            [Grants]
        },
        {
            "a second live subscription for one user (the unique index gone)",
            $"""
            DROP INDEX subscriptions_one_live_per_user;
            INSERT INTO subscriptions (user_id, plan_id, billing_anchor, current_period_start, current_period_end)
            SELECT user_id, plan_id, billing_anchor, current_period_start, current_period_end FROM subscriptions WHERE id = {OneActiveSubscription};
            """,
            ["at most one live subscription per user"]
        },
        {
            "an incomplete subscription with no checkout to pay",
            $"UPDATE subscriptions SET status = 'incomplete' WHERE id = {OneActiveSubscription}",
            ["incomplete until the checkout invoice is paid, and only while it is open"]
        },
        {
            "a subscription live while its checkout invoice is unpaid",
            """
            UPDATE invoices SET kind = 'subscription_create'
             WHERE id = (SELECT i.id FROM invoices i JOIN subscriptions s ON s.id = i.subscription_id
                          WHERE i.status = 'pending' AND s.status = 'active' ORDER BY i.invoice_number LIMIT 1)
            """,
            ["incomplete until the checkout invoice is paid, and only while it is open"]
        },
        {
            "an upgrade applied with nothing paid for it",
            $"UPDATE subscriptions SET plan_id = {Plus} WHERE id = {OneActiveSubscription}",
            ["a plan changes only in the transaction that settles the invoice buying it"]
        },
        {
            "a downgrade applied with no renewal of the new plan paid",
            $"UPDATE subscriptions SET plan_id = {Base} WHERE id = (SELECT subscription_id FROM invoices WHERE kind = 'plan_change' ORDER BY invoice_number LIMIT 1)",
            ["a plan changes only in the transaction that settles the invoice buying it"]
        },
        {
            "an upgrade paid and granted that left the plan as it was",
            $"""
            WITH s AS (SELECT * FROM subscriptions WHERE id = {OneActiveSubscription}),
            inv AS (
                INSERT INTO invoices (invoice_number, user_id, subscription_id, period_start, period_end, amount, status, kind,
                                      line_items, attempt_count, paid_at)
                SELECT 'GEN-broken-up', user_id, id, current_period_start + interval '1 day', current_period_end, 100000, 'paid',
                       'plan_change', jsonb_build_object('to_plan_id', {Plus}, 'interaction_credits', 1000, 'scraper_credits', 0),
                       1, current_period_start + interval '1 day'
                  FROM s RETURNING *)
            INSERT INTO payments (invoice_id, attempt_number, reference_id, session_id, transaction_id, status, amount, fee, paid_at)
            SELECT id, 1, 'GEN-broken-up-1', md5('GEN-broken-up-1'), 'TGEN-broken-up-1', 'paid', 100000, 4000, paid_at FROM inv;
            SELECT reset_interaction_credits(i.user_id, 1000, i.id::text, 'Plan changed'), add_scraper_credits(i.user_id, 0, i.id::text, 'Plan changed')
              FROM invoices i WHERE i.invoice_number = 'GEN-broken-up';
            """,
            ["a paid upgrade moved its subscription to its plan, in the same transaction"]
        },
        {
            "a second scraper grant for one invoice (its balance kept in step)",
            """
            ALTER TABLE credit_transactions DROP CONSTRAINT credit_transactions_reference_key;
            WITH g AS (SELECT * FROM credit_transactions WHERE kind = 'add' ORDER BY user_id, seq LIMIT 1)
            INSERT INTO credit_transactions (user_id, credit_type, kind, amount, balance_after, reference_id, description, created_at, seq)
            SELECT user_id, credit_type, kind, amount, balance_after, reference_id, 'granted again', created_at, 1000 FROM g;
            UPDATE credit_balances b SET balance = b.balance + 500
              FROM (SELECT user_id FROM credit_transactions WHERE seq = 1000) g WHERE b.user_id = g.user_id AND b.credit_type = 'scraper';
            """,
            [Grants]
        },
        {
            "a balance one credit above its ledger",
            $"UPDATE credit_balances SET balance = balance + 1 WHERE credit_type = 'scraper' AND user_id = (SELECT min(user_id) FROM credit_balances)",
            ["every balance equals the sum of its ledger and is never negative"]
        },
        {
            "a paid invoice whose paid attempt is turned back to expired",
            $"UPDATE payments SET status = 'expired', paid_at = NULL WHERE invoice_id = {OnePaidInvoice} AND status = 'paid' AND oddity IS NULL",
            ["a paid invoice has exactly one paid payment (others only as flagged oddities)"]
        },
        {
            "a second invoice for one subscription period",
            """
            DROP INDEX invoices_subscription_period_key;
            INSERT INTO invoices (invoice_number, user_id, subscription_id, period_start, period_end, amount, status)
            SELECT invoice_number || '-again', user_id, subscription_id, period_start, period_end, amount, 'pending'
              FROM invoices ORDER BY invoice_number LIMIT 1;
            """,
            ["one invoice per (subscription, period)"]
        },
        {
            "a paid invoice marked failed again, its payment and credits kept",
            $"UPDATE invoices SET status = 'failed', paid_at = NULL WHERE id = {OnePaidInvoice}",
            ["an unpaid invoice has no unflagged paid payment", "no credits granted for an unpaid invoice"]
        },
        {
            "a subscription's period moved back before its paid invoices",
            $"UPDATE subscriptions SET current_period_start = current_period_start - interval '3 months', current_period_end = current_period_end - interval '3 months' WHERE id = {OneActiveSubscription}",
            ["a subscription's period covers its paid invoices"]
        },
        {
            "a subscription past due with nothing failed or retried",
            $"UPDATE subscriptions SET status = 'past_due' WHERE id = {OneActiveSubscription}",
            ["past_due means a failed invoice and an open retry"]
        },
        {
            "a subscription canceled for dunning without its five failed retries",
            $"UPDATE subscriptions SET status = 'canceled', cancel_reason = 'Payment failed after 5 retry attempts' WHERE id = {OneActiveSubscription}",
            ["canceled by dunning means five failed retries"]
        },
        {
            "refunded_amount grown with no credit note behind it",
            $"UPDATE invoices SET refunded_amount = 1000 WHERE id = {OnePaidInvoice}",
            ["refunded_amount is the sum of the credit notes, within the amount, refunded exactly when all of it"]
        },
        {
            "a refund that took back more credits than the invoice granted",
            $"""
            INSERT INTO credit_notes (id, credit_note_number, invoice_id, user_id, amount, tax_amount, reason, created_by)
            SELECT '00000000-0000-0000-0000-0000000000c1', 'CN-TEST-1', id, user_id, 1000, 0, 'test', 'op' FROM invoices WHERE id = {OnePaidInvoice};
            UPDATE invoices SET refunded_amount = 1000 WHERE id = {OnePaidInvoice};
            INSERT INTO credit_transactions (user_id, credit_type, kind, amount, balance_after, reference_id, description, seq)
            SELECT g.user_id, 'scraper', 'revoke', -(g.amount + 1), 0, '00000000-0000-0000-0000-0000000000c1', 'test', 1000000
              FROM credit_transactions g WHERE g.reference_id = ({OnePaidInvoice})::text AND g.kind = 'add';
            """,
            ["every balance equals the sum of its ledger and is never negative", "revocations never exceed the refunded share of what the invoice granted"]
        },
        {
            "a refund of a sliver that took back all the invoice granted (its balance kept in step)",
            $"""
            INSERT INTO credit_notes (id, credit_note_number, invoice_id, user_id, amount, tax_amount, reason, created_by)
            SELECT '00000000-0000-0000-0000-0000000000c2', 'CN-TEST-2', id, user_id, 1000, 0, 'test', 'op' FROM invoices WHERE id = {OnePaidInvoice};
            UPDATE invoices SET refunded_amount = 1000 WHERE id = {OnePaidInvoice};
            INSERT INTO credit_transactions (user_id, credit_type, kind, amount, balance_after, reference_id, description, seq)
            SELECT g.user_id, 'scraper', 'revoke', -g.amount, b.balance - g.amount, '00000000-0000-0000-0000-0000000000c2', 'test', 1000000
              FROM credit_transactions g JOIN credit_balances b ON b.user_id = g.user_id AND b.credit_type = 'scraper'
             WHERE g.reference_id = ({OnePaidInvoice})::text AND g.kind = 'add';
            UPDATE credit_balances b SET balance = b.balance - g.amount
              FROM credit_transactions g WHERE g.reference_id = ({OnePaidInvoice})::text AND g.kind = 'add'
               AND b.user_id = g.user_id AND b.credit_type = 'scraper';
            """,
            ["revocations never exceed the refunded share of what the invoice granted"]
        },
        {
            "an iPaymu payment of an invoice a transfer already settled, left unflagged",
            $"""
            DROP INDEX payments_one_paid_per_invoice;
            INSERT INTO payments (invoice_id, attempt_number, reference_id, amount, status, paid_at, provider, manual_details)
            SELECT id, 99, invoice_number || '-99', amount, 'paid', paid_at, 'manual', jsonb_build_object() FROM invoices WHERE id = {OnePaidInvoice};
            """,
            ["a paid invoice has exactly one paid payment (others only as flagged oddities)",
             "a manual and an iPaymu payment of one invoice: the iPaymu one is flagged second_payment"]
        },
        {
            "an iPaymu payment of an invoice a transfer settled, flagged but never logged as a second payment",
            $"""
            UPDATE payments SET oddity = 'invoice_already_paid' WHERE invoice_id = {OnePaidInvoice} AND status = 'paid' AND oddity IS NULL;
            INSERT INTO payments (invoice_id, attempt_number, reference_id, amount, status, paid_at, provider, manual_details)
            SELECT id, 99, invoice_number || '-99', amount, 'paid', paid_at, 'manual', jsonb_build_object() FROM invoices WHERE id = {OnePaidInvoice};
            """,
            ["a manual and an iPaymu payment of one invoice: the iPaymu one is flagged second_payment"]
        },
        {
            "a paid credit pack granted twice (an add and a reset referencing its invoice)",
            $"""
            INSERT INTO invoices (id, invoice_number, user_id, subscription_id, period_start, period_end, amount, status, paid_at, kind, line_items)
            SELECT '00000000-0000-0000-0000-00000000a0c1', 'GEN-pack-1', user_id, NULL, now(), now(), 99000, 'paid', now(), 'credit_pack',
                   jsonb_build_object('credit_type', 'scraper', 'credits', 1000)
              FROM invoices WHERE id = {OnePaidInvoice};
            INSERT INTO payments (invoice_id, attempt_number, reference_id, amount, status, paid_at)
            VALUES ('00000000-0000-0000-0000-00000000a0c1', 1, 'GEN-pack-1-1', 99000, 'paid', now());
            SELECT apply_credit_change(user_id, 'scraper', 'add', 1000, '00000000-0000-0000-0000-00000000a0c1', 'pack', now()),
                   apply_credit_change(user_id, 'interaction', 'reset', 7, '00000000-0000-0000-0000-00000000a0c1', 'pack again', now())
              FROM invoices WHERE id = '00000000-0000-0000-0000-00000000a0c1';
            """,
            ["pack credits granted once per paid pack invoice, added as its line items say"]
        },
        {
            "a second trial for one user (trial_users' key gone)",
            $"""
            UPDATE subscriptions SET trial_end = current_period_start WHERE id = {OneActiveSubscription};
            INSERT INTO subscriptions (user_id, plan_id, status, trial_end, billing_anchor, current_period_start, current_period_end, canceled_at)
            SELECT user_id, plan_id, 'canceled', current_period_start, billing_anchor, current_period_start, current_period_end, current_period_start
              FROM subscriptions WHERE id = {OneActiveSubscription};
            """,
            ["one trial per user"]
        },
        {
            "a yearly allowance granted twice for one month (the ledger's key gone)",
            $"""
            ALTER TABLE credit_transactions DROP CONSTRAINT credit_transactions_reference_key;
            INSERT INTO credit_transactions (user_id, credit_type, kind, amount, balance_after, reference_id, description, seq, created_at)
            SELECT i.user_id, x.credit_type, x.kind, 0, 0, i.id::text || ':m2', 'test', 1000000 + x.n, i.period_start + interval '40 days'
              FROM invoices i CROSS JOIN (VALUES ('interaction', 'reset', 1), ('interaction', 'reset', 2), ('scraper', 'add', 3)) x(credit_type, kind, n)
             WHERE i.id = {OnePaidInvoice};
            """,
            ["monthly allowances granted once each, after their month began and never after cancel"]
        },
        {
            "a yearly allowance granted for a month that began after the cancellation",
            $"""
            INSERT INTO credit_transactions (user_id, credit_type, kind, amount, balance_after, reference_id, description, seq, created_at)
            SELECT i.user_id, x.credit_type, x.kind, 0, 0, i.id::text || ':m2', 'test', 1000000 + x.n, i.period_start + interval '40 days'
              FROM invoices i CROSS JOIN (VALUES ('interaction', 'reset', 1), ('scraper', 'add', 2)) x(credit_type, kind, n)
             WHERE i.id = {OnePaidInvoice};
            UPDATE subscriptions s SET canceled_at = billing_add_months(s.billing_anchor, billing_month_index(s.billing_anchor, i.period_start) + 1)
                                                     - interval '1 microsecond'
              FROM invoices i WHERE i.id = {OnePaidInvoice} AND s.id = i.subscription_id;
            """,
            ["monthly allowances granted once each, after their month began and never after cancel"]
        },
        {
            "a stored callback left without an outcome",
            "UPDATE webhook_events SET outcome = NULL WHERE id = (SELECT id FROM webhook_events ORDER BY reference_id LIMIT 1)",
            ["every stored webhook event has an outcome"]
        },
        {
            "a coupon redeemed past its max_redemptions (the counter's guard gone)",
            $"""
            INSERT INTO coupons (id, code, name, percent_off, duration, max_redemptions, times_redeemed)
            VALUES ('00000000-0000-0000-0000-0000000c0c0c', 'GEN', 'Generated', 10, 'forever', 1, 1);
            INSERT INTO coupon_redemptions (coupon_id, user_id, subscription_id)
            SELECT '00000000-0000-0000-0000-0000000c0c0c', s.user_id, s.id FROM subscriptions s WHERE s.status = 'active' ORDER BY s.user_id LIMIT 2;
            UPDATE subscriptions SET updated_at = updated_at WHERE id IN (SELECT subscription_id FROM coupon_redemptions);
            """,
            ["a coupon's redemptions are its times_redeemed, never more than max_redemptions"]
        },
        {
            "an invoice whose amount is not its price less its discount",
            $"UPDATE invoices SET line_items = line_items || jsonb_build_object('price', amount, 'discount', jsonb_build_object('amount', 5000)) WHERE id = {OnePaidInvoice}",
            ["every invoice's amount is its price less its discount plus exclusive tax, never negative"]
        },
    };

    [Theory]
    [MemberData(nameof(Breaks))]
    public async Task A_broken_history_is_caught_by_its_rule_over_the_whole_history_and_the_day(string what, string breakSql, string[] rules)
    {
        await using var db = await PostgresServer.CreateDatabaseAsync();
        await InvariantChangeLog.InstallAsync(db.DataSource);
        await GeneratedHistory.WriteAsync(db, subscriptions: 60, months: 3);
        Assert.Empty(await InvariantChecker.CheckAsync(db.DataSource));
        Assert.Empty(await InvariantChecker.CheckAsync(db.DataSource, await InvariantChangeLog.TakeAsync(db.DataSource)));

        await db.ExecAsync(breakSql);

        var day = await InvariantChangeLog.TakeAsync(db.DataSource);
        var whole = await InvariantChecker.CheckAsync(db.DataSource);
        var changed = await InvariantChecker.CheckAsync(db.DataSource, day);
        Assert.True(rules.SequenceEqual(whole.Select(v => v.Rule)), $"{what}, whole history: {InvariantChecker.Describe(whole)}");
        Assert.True(rules.SequenceEqual(changed.Select(v => v.Rule)), $"{what}, the day's changes: {InvariantChecker.Describe(changed)}");
    }

    [Fact]
    public async Task An_unpaid_upgrade_left_past_its_expiry_is_caught_only_after_a_housekeeping_run()
    {
        await using var db = await PostgresServer.CreateDatabaseAsync();
        await InvariantChangeLog.InstallAsync(db.DataSource);
        await GeneratedHistory.WriteAsync(db, subscriptions: 20, months: 3);
        // An upgrade nobody paid, made ten days before the period's end: its only attempt expired a day later.
        var made = (await db.ScalarAsync<DateTime>($"SELECT current_period_end - interval '10 days' FROM subscriptions WHERE id = {OneActiveSubscription}")).ToUniversalTime();
        await db.ExecAsync($"""
            WITH s AS (SELECT * FROM subscriptions WHERE id = {OneActiveSubscription}),
            inv AS (
                INSERT INTO invoices (invoice_number, user_id, subscription_id, period_start, period_end, amount, status, kind, line_items, created_at)
                SELECT 'GEN-unpaid-up', user_id, id, $1, current_period_end, 100000, 'pending', 'plan_change',
                       jsonb_build_object('to_plan_id', {Plus}), $1
                  FROM s RETURNING *)
            INSERT INTO payments (invoice_id, attempt_number, reference_id, session_id, status, amount, expires_at, created_at)
            SELECT id, 1, 'GEN-unpaid-up-1', md5('GEN-unpaid-up-1'), 'expired', 100000, $1 + interval '1 day', $1 FROM inv;
            """, made);
        var expired = new DateTimeOffset(made.AddDays(1), TimeSpan.Zero);

        Assert.Empty(await InvariantChecker.CheckAsync(db.DataSource));
        Assert.Empty(await InvariantChecker.CheckAsync(db.DataSource, afterHousekeepingAt: expired.AddMinutes(59)));
        var late = await InvariantChecker.CheckAsync(db.DataSource, afterHousekeepingAt: expired.AddMinutes(61));
        Assert.Equal([InvariantChecker.UnwithdrawnRule], late.Select(v => v.Rule));
    }
}
