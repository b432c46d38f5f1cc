using System.Net;
using BillingCycle.Api.Jobs;
using BillingCycle.IntegrationTests.Infrastructure;

namespace BillingCycle.IntegrationTests.Console;

/// <summary>Every console action: antiforgery refuses a bare POST, and each one leaves its operator_action row.</summary>
public sealed class ConsoleActionTests : IAsyncLifetime
{
    private const string Operator = "user_operator_ayu";
    private BillingHarness _h = null!;
    private ConsoleSession _admin = null!;

    public async Task InitializeAsync()
    {
        _h = await BillingHarness.StartAsync();
        _admin = await ConsoleSession.SignInAsync(_h.Api, _h.Api.Tokens.Admin(Operator));
    }

    public async Task DisposeAsync()
    {
        _admin.Dispose();
        await _h.DisposeAsync();
    }

    /// <summary>The operator_action row with this reason (the test clock is frozen, so rows are told apart by their reason).</summary>
    private Task<string> ActionAsync(string reason) => _h.Db.ScalarAsync<string>("""
        SELECT string_agg(status || '|' || coalesce(user_id, '') || '|' || (details ->> 'operator_id') || '|' || (details ->> 'action')
                          || '|' || (details ->> 'reason'), ' + ')
          FROM billing_logs WHERE event_type = 'operator_action' AND details ->> 'reason' = $1
        """, reason);

    private Task<long> ActionsAsync() => _h.Db.ScalarAsync<long>("SELECT count(*) FROM billing_logs WHERE event_type = 'operator_action'");

    [Fact]
    public async Task A_post_without_the_antiforgery_token_or_with_a_foreign_one_is_refused_and_does_nothing()
    {
        using var bare = await _admin.PostAsync("/admin/jobs/renewal/run", null, ("reason", "no token"));
        Assert.Equal(HttpStatusCode.BadRequest, bare.StatusCode);
        Assert.Contains("antiforgery", await bare.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // A token another browser (another admin) was given does not match this browser's cookie.
        using var other = await ConsoleSession.SignInAsync(_h.Api, _h.Api.Tokens.Admin("user_operator_budi"));
        var foreign = await other.FormTokenAsync("/admin/jobs");
        using var crossed = await _admin.PostAsync("/admin/jobs/renewal/run", foreign, ("reason", "foreign token"));
        Assert.Equal(HttpStatusCode.BadRequest, crossed.StatusCode);

        // A bearer-only client (no cookies) is not exempt either.
        using var bearer = ConsoleSession.WithBearer(_h.Api, _h.Api.Tokens.Admin(Operator));
        using var noCookie = await bearer.PostAsync("/admin/jobs/renewal/run", foreign, ("reason", "bearer"));
        Assert.Equal(HttpStatusCode.BadRequest, noCookie.StatusCode);

        Assert.Equal(0, await _h.Db.ScalarAsync<long>("SELECT count(*) FROM job_runs"));
        Assert.Equal(0, await ActionsAsync());

        var token = await _admin.FormTokenAsync("/admin/jobs");
        using var ok = await _admin.PostAsync("/admin/jobs/renewal/run", token, ("reason", "with its token"));
        Assert.Equal(HttpStatusCode.SeeOther, ok.StatusCode);
        Assert.Equal(1, await _h.Db.ScalarAsync<long>("SELECT count(*) FROM job_runs"));
    }

    [Theory]
    [InlineData("renewal")]
    [InlineData("retry")]
    [InlineData("housekeeping")]
    public async Task Run_now_runs_the_job_through_the_runner_logs_it_and_answers_409_while_it_runs(string job)
    {
        var token = await _admin.FormTokenAsync("/admin/jobs");
        using var ran = await _admin.PostAsync($"/admin/jobs/{job}/run", token, ("reason", "catch up after the outage"));
        Assert.Equal(HttpStatusCode.SeeOther, ran.StatusCode);
        var runId = await _h.Db.ScalarAsync<Guid>("SELECT id FROM job_runs WHERE job = $1 AND trigger = 'http'", job);
        Assert.Equal($"/admin/jobs?run={runId}&done=job_finished", ran.Headers.Location!.OriginalString);
        Assert.Equal($"success||{Operator}|run_job|catch up after the outage", await ActionAsync("catch up after the outage"));
        Assert.Equal(runId.ToString(), await _h.Db.ScalarAsync<string>(
            "SELECT details -> 'target' ->> 'run_id' FROM billing_logs WHERE event_type = 'operator_action'"));

        // Another instance holds the job's lock: a run is in progress somewhere.
        var key = Enum.Parse<BillingJob>(job, ignoreCase: true).LockKey();
        await using var conn = await _h.Db.DataSource.OpenConnectionAsync();
        await using (var take = new Npgsql.NpgsqlCommand($"SELECT pg_advisory_lock({key})", conn))
        {
            await take.ExecuteNonQueryAsync();
        }
        using var busy = await _admin.PostAsync($"/admin/jobs/{job}/run", token, ("reason", "again"));
        Assert.Equal(HttpStatusCode.Conflict, busy.StatusCode);
        Assert.Contains("JOB_ALREADY_RUNNING", await busy.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(1, await _h.Db.ScalarAsync<long>("SELECT count(*) FROM job_runs WHERE job = $1", job));
        Assert.Equal($"failed||{Operator}|run_job|again", await ActionAsync("again"));
    }

    [Fact]
    public async Task Resolving_an_oddity_records_the_note_and_its_log_row_and_a_second_resolve_is_refused_and_logged()
    {
        var (sub, user) = await _h.DueSubscriptionAsync();
        var oddity = await _h.Db.ScalarAsync<Guid>("""
            SELECT log_billing_event('payment_oddity', $1, $2, 'error', '{"kind": "paid_cancelled_invoice"}'::jsonb, 'paid after cancel')
            """, sub, user);
        var token = await _admin.FormTokenAsync("/admin/oddities");

        using var empty = await _admin.PostAsync($"/admin/oddities/{oddity}/resolve", token, ("note", "   "));
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        using var done = await _admin.PostAsync($"/admin/oddities/{oddity}/resolve", token, ("note", "Refunded by hand, ticket 42"));
        Assert.Equal(HttpStatusCode.SeeOther, done.StatusCode);
        Assert.Equal($"{Operator}|Refunded by hand, ticket 42", await _h.Db.ScalarAsync<string>(
            "SELECT resolved_by || '|' || note FROM oddity_resolutions WHERE billing_log_id = $1", oddity));
        Assert.Equal($"success|{user}|{Operator}|resolve_oddity|Refunded by hand, ticket 42", await ActionAsync("Refunded by hand, ticket 42"));

        using var again = await _admin.PostAsync($"/admin/oddities/{oddity}/resolve", token, ("note", "second note"));
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal($"failed||{Operator}|resolve_oddity|second note", await ActionAsync("second note"));
        Assert.Equal("Refunded by hand, ticket 42", await _h.Db.ScalarAsync<string>("SELECT note FROM oddity_resolutions"));

        // A billing log that is not an oddity cannot be "resolved".
        var plain = await _h.Db.ScalarAsync<Guid>("SELECT log_billing_event('renewal', $1, $2, 'success', '{}'::jsonb, NULL)", sub, user);
        using var notOddity = await _admin.PostAsync($"/admin/oddities/{plain}/resolve", token, ("note", "x"));
        Assert.Equal(HttpStatusCode.NotFound, notOddity.StatusCode);
        Assert.Equal(3, await ActionsAsync());
    }

    [Fact]
    public async Task Cancel_and_pay_link_go_through_the_api_code_paths_and_are_logged_with_who_what_and_why()
    {
        var (sub, user) = await _h.DueSubscriptionAsync();
        await _h.RenewAsync();
        var invoice = await _h.Db.ScalarAsync<Guid>("SELECT id FROM invoices WHERE subscription_id = $1", sub);
        var token = await _admin.FormTokenAsync($"/admin/customers/{user}");

        // Cancel at period end: the API's cancel, so the subscription keeps its period and is set to end.
        using var cancel = await _admin.PostAsync($"/admin/customers/{user}/cancel-at-period-end", token, ("reason", "customer asked by phone"));
        Assert.Equal(HttpStatusCode.SeeOther, cancel.StatusCode);
        Assert.Equal("active|True", await _h.Db.ScalarAsync<string>(
            "SELECT status || '|' || (cancel_at_period_end)::text FROM subscriptions WHERE id = $1", sub), ignoreCase: true);
        Assert.Equal($"success|{user}|{Operator}|cancel_at_period_end|customer asked by phone", await ActionAsync("customer asked by phone"));

        // A fresh pay link: the renewal's link has 24 hours left, so the pay-now rule hands it back, and
        // the customer is told (payment_url and the pay page's invoice_url).
        var first = await _h.Db.ScalarAsync<string>("SELECT payment_url FROM payments WHERE invoice_id = $1", invoice);
        using var link = await _admin.PostAsync($"/admin/customers/{user}/pay-link", token, ("invoice_id", invoice.ToString()), ("reason", "lost the email"));
        Assert.Equal(HttpStatusCode.SeeOther, link.StatusCode);
        Assert.Equal($"success|{user}|{Operator}|send_pay_link|lost the email", await ActionAsync("lost the email"));
        Assert.Equal(first, await _h.Db.ScalarAsync<string>(
            "SELECT data ->> 'payment_url' FROM notifications WHERE user_id = $1 AND data ->> 'sent_by' = 'operator'", user));
        Assert.Equal(1, await _h.Db.ScalarAsync<long>("SELECT count(*) FROM payments WHERE invoice_id = $1", invoice));

        // Another customer's invoice is not found, as the API answers it; nothing is sent.
        var (_, other) = await _h.DueSubscriptionAsync();
        using var foreign = await _admin.PostAsync($"/admin/customers/{other}/pay-link", token, ("invoice_id", invoice.ToString()), ("reason", "wrong customer"));
        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
        Assert.Equal($"failed|{other}|{Operator}|send_pay_link|wrong customer", await ActionAsync("wrong customer"));

        // No dead delivery with that id: 404, logged as failed.
        using var retry = await _admin.PostAsync($"/admin/deliveries/{Guid.NewGuid()}/retry", token, ("reason", "smtp is back"));
        Assert.Equal(HttpStatusCode.NotFound, retry.StatusCode);
        Assert.Equal($"failed||{Operator}|retry_delivery|smtp is back", await ActionAsync("smtp is back"));

        using var noReason = await _admin.PostAsync($"/admin/customers/{user}/cancel-at-period-end", token, ("reason", ""));
        Assert.Equal(HttpStatusCode.BadRequest, noReason.StatusCode);
        Assert.Equal(4, await ActionsAsync());
    }

    [Fact]
    public async Task A_dead_delivery_is_listed_retried_once_through_the_outbox_and_a_second_retry_is_refused()
    {
        var (_, user) = await _h.DueSubscriptionAsync();
        var dead = await _h.Db.ScalarAsync<Guid>("""
            WITH n AS (INSERT INTO notifications (user_id, type, title, message, data)
                       VALUES ($1, 'billing_payment_due', 'Payment Due', 'pay', '{}'::jsonb) RETURNING id)
            INSERT INTO deliveries (channel, notification_id, status, attempts, next_attempt_at, last_error, created_at, updated_at)
            SELECT 'email', n.id, 'dead', 6, now(), '550 mailbox unavailable', now(), now() FROM n RETURNING id
            """, user);
        var (status, html) = await _admin.GetAsync("/admin/deliveries");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("550 mailbox unavailable", html, StringComparison.Ordinal);
        var (_, customer) = await _admin.GetAsync($"/admin/customers/{user}");
        Assert.Contains("Dead email delivery: billing_payment_due (550 mailbox unavailable)", customer, StringComparison.Ordinal);

        var token = await _admin.FormTokenAsync("/admin/deliveries");
        using var retry = await _admin.PostAsync($"/admin/deliveries/{dead}/retry", token, ("reason", "mailbox fixed"));
        Assert.Equal(HttpStatusCode.SeeOther, retry.StatusCode);
        Assert.Equal("pending|6", await _h.Db.ScalarAsync<string>("SELECT status || '|' || attempts FROM deliveries WHERE id = $1", dead));
        Assert.Equal($"success||{Operator}|retry_delivery|mailbox fixed", await ActionAsync("mailbox fixed"));

        using var again = await _admin.PostAsync($"/admin/deliveries/{dead}/retry", token, ("reason", "twice"));
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Contains("DELIVERY_NOT_DEAD", await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
