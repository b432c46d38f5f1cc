using System.Net;
using BillingCycle.IntegrationTests.Infrastructure;

namespace BillingCycle.IntegrationTests.Console;

public sealed class NovemberFixture : IAsyncLifetime
{
    public BillingHarness H { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        H = await BillingHarness.StartAsync();
        await NovemberWorld.PlayAsync(H);
    }

    public async Task DisposeAsync() => await H.DisposeAsync();
}

/// <summary>
/// The Overview's figures for November (contract §9.2) against SQL written here, over the month the
/// engine played, and against what the twelve customers were scripted to do.
/// </summary>
public sealed class OverviewFiguresTests(NovemberFixture f) : IClassFixture<NovemberFixture>
{
    private static readonly DateTime From = NovemberWorld.MonthStart.UtcDateTime, To = NovemberWorld.MonthEnd.UtcDateTime;

    private async Task<string> OverviewAsync()
    {
        using var admin = ConsoleSession.WithBearer(f.H.Api, f.H.Api.Tokens.Admin("user_operator"));
        var (status, html) = await admin.GetAsync("/admin");
        Assert.Equal(HttpStatusCode.OK, status);
        return html;
    }

    private Task<long> Sql(string sql) => f.H.Db.ScalarAsync<long>(sql, From, To);

    /// <summary>Renewal invoices of the month paid by attempt n, counted from the paying payment itself.</summary>
    private Task<long> PaidByAttempt(int n) => f.H.Db.ScalarAsync<long>("""
        SELECT count(*) FROM invoices i JOIN payments p ON p.invoice_id = i.id
         WHERE p.status = 'paid' AND p.oddity IS NULL AND p.attempt_number = $3
           AND i.period_start >= $1 AND i.period_start < $2
        """, From, To, n);

    [Fact]
    public async Task Mrr_active_and_churn_equal_sql_over_the_subscriptions()
    {
        var html = await OverviewAsync();
        var mrr = await Sql("SELECT coalesce(sum(p.price), 0) FROM subscriptions s JOIN subscription_plans p ON p.id = s.plan_id WHERE s.status = 'active' AND p.price > 0 AND $1 < $2");
        var active = await Sql("SELECT count(*) FROM subscriptions WHERE status = 'active' AND $1 < $2");
        var churn = await Sql("SELECT count(*) FROM subscriptions WHERE canceled_at >= $1 AND canceled_at < $2");

        Assert.Equal(mrr, ConsoleSession.Figure(html, "mrr"));
        Assert.Equal(active, ConsoleSession.Figure(html, "active"));
        Assert.Equal(churn, ConsoleSession.Figure(html, "churn"));
        // Ayu, Bayu, Citra, Dewi (paid), Gita (first link open), Joko (due in December), Kadek (due on the 30th).
        Assert.Equal(149_000 + 99_000 + 149_000 + 249_000 + 149_000 + 149_000 + 99_000, mrr);
        Assert.Equal(8, active); // and Indra, on the free plan
        Assert.Equal(2, churn); // Hadi at period end, Eka by dunning
        Assert.Contains("20.0% of 10", html, StringComparison.Ordinal); // 2 of the 10 live on 1 November (Lina left in October, Joko started later)
    }

    [Fact]
    public async Task Paid_on_the_first_link_and_on_each_retry_equal_sql_over_the_paying_attempts()
    {
        var html = await OverviewAsync();
        Assert.Equal(await PaidByAttempt(1), ConsoleSession.Figure(html, "paid_first_link"));
        for (var k = 1; k <= 5; k++)
        {
            Assert.Equal(await PaidByAttempt(k + 1), ConsoleSession.Figure(html, $"paid_retry_{k}"));
        }
        Assert.Equal(3, ConsoleSession.Figure(html, "paid_first_link")); // Ayu, Bayu, Indra (free)
        Assert.Equal(1, ConsoleSession.Figure(html, "paid_retry_1")); // Citra
        Assert.Equal(0, ConsoleSession.Figure(html, "paid_retry_2"));
        Assert.Equal(1, ConsoleSession.Figure(html, "paid_retry_3")); // Dewi
    }

    [Fact]
    public async Task Canceled_by_dunning_in_dunning_due_and_invoiced_equal_sql()
    {
        var html = await OverviewAsync();
        // Canceled by dunning: the month's invoices whose fifth retry failed.
        var canceled = await Sql("""
            SELECT count(DISTINCT i.id) FROM invoices i JOIN payment_retries r ON r.invoice_id = i.id
             WHERE r.attempt_number = 5 AND r.status = 'failed' AND i.period_start >= $1 AND i.period_start < $2
            """);
        var invoiced = await Sql("SELECT count(*) FROM invoices WHERE period_start >= $1 AND period_start < $2");
        var stepThree = await Sql("""
            SELECT count(*) FROM payment_retries r JOIN invoices i ON i.id = r.invoice_id
             WHERE r.attempt_number = 3 AND r.status IN ('pending', 'in_progress') AND i.period_start >= $1 AND i.period_start < $2
            """);
        var notYetInvoiced = await Sql("""
            SELECT count(*) FROM subscriptions s WHERE s.status = 'active' AND s.current_period_end >= $1 AND s.current_period_end < $2
               AND NOT EXISTS (SELECT 1 FROM invoices i WHERE i.subscription_id = s.id AND i.period_start = s.current_period_end)
            """);

        Assert.Equal(canceled, ConsoleSession.Figure(html, "canceled_by_dunning"));
        Assert.Equal(invoiced, ConsoleSession.Figure(html, "invoiced"));
        Assert.Equal(stepThree, ConsoleSession.Figure(html, "dunning_step_3"));
        Assert.Equal(invoiced + notYetInvoiced, ConsoleSession.Figure(html, "due"));
        Assert.Equal(1, canceled); // Eka
        Assert.Equal(8, invoiced); // all but Hadi (canceled at period end), Joko (December), Kadek (the 30th)
        Assert.Equal(1, stepThree); // Fajar, retry 3's link open
        Assert.Equal(9, ConsoleSession.Figure(html, "due")); // and Kadek
        Assert.Equal(1, ConsoleSession.Figure(html, "awaiting_first_link")); // Gita
        Assert.Equal(1, ConsoleSession.Figure(html, "open_oddities")); // Eka paid after her cancellation
        Assert.Equal(0, ConsoleSession.Figure(html, "dead_deliveries"));
    }

    [Fact]
    public async Task The_funnel_shows_the_same_cohort_and_draws_it_as_svg()
    {
        using var admin = ConsoleSession.WithBearer(f.H.Api, f.H.Api.Tokens.Admin("user_operator"));
        var (status, html) = await admin.GetAsync($"/admin/funnel?month={NovemberWorld.Month}");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("<svg", html, StringComparison.Ordinal);
        Assert.Contains("<g data-stage=\"paid_retry_3\" data-value=\"1\">", html, StringComparison.Ordinal);
        Assert.Contains("<g data-stage=\"canceled_by_dunning\" data-value=\"1\">", html, StringComparison.Ordinal);
        Assert.Contains("<g data-stage=\"invoiced\" data-value=\"8\">", html, StringComparison.Ordinal);
        var (bad, _) = await admin.GetAsync("/admin/funnel?month=2026-13");
        Assert.Equal(HttpStatusCode.BadRequest, bad);
        var (october, octHtml) = await admin.GetAsync("/admin/funnel?month=2026-10");
        Assert.Equal(HttpStatusCode.OK, october);
        Assert.Contains("<g data-stage=\"invoiced\" data-value=\"0\">", octHtml, StringComparison.Ordinal);
    }
}
