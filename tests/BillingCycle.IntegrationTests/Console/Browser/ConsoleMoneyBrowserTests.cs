using System.Net.Http.Json;
using BillingCycle.TestSupport;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace BillingCycle.IntegrationTests.Console.Browser;

/// <summary>Contract §13 in Chromium: record a transfer, then refund part of it, by clicking on the customer page (axe at 390 px).</summary>
[Collection(BrowserCollection.Name)]
public sealed class ConsoleMoneyBrowserTests(BrowserFixture f)
{
    [Fact]
    public async Task An_operator_records_a_bank_transfer_and_then_a_refund_from_the_customer_page()
    {
        const string user = "user_money_rina";
        await f.H.Db.ExecAsync("INSERT INTO users (id, email, full_name) VALUES ($1, 'rina@example.com', 'Rina Wulandari')", user);
        var plan = await Seed.PlanAsync(f.H.Db, 99_000, name: "Team");
        var checkout = await f.H.Api.ClientFor(f.H.Api.Tokens.Issue(user)).PostAsJsonAsync("/api/subscriptions", new { plan_id = plan });
        checkout.EnsureSuccessStatusCode();
        var invoice = await f.H.Db.ScalarAsync<Guid>("SELECT id FROM invoices WHERE user_id = $1", user);

        var page = await f.SignedInPageAsync(390);
        await page.GotoAsync($"/admin/customers/{user}");
        var problems = (await page.RunAxe()).Violations.Where(v => v.Impact is "serious" or "critical").Select(v => v.Id).ToList();
        Assert.Empty(problems);
        var form = page.GetByRole(AriaRole.Form, new() { Name = $"Record payment for {await Number(invoice)}" });
        await form.GetByLabel("Method").SelectOptionAsync("bank_transfer");
        await form.GetByLabel("Reference").FillAsync("MANDIRI 0099");
        await form.GetByLabel("Reason (kept in the billing log)").FillAsync("transfer seen on the statement");
        await form.GetByRole(AriaRole.Button, new() { Name = "Record payment" }).ClickAsync();

        Assert.Contains("payment is recorded", await page.Locator(".notice").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal("paid|manual", await f.H.Db.ScalarAsync<string>("""
            SELECT i.status || '|' || p.provider FROM invoices i JOIN payments p ON p.invoice_id = i.id AND p.status = 'paid' WHERE i.id = $1
            """, invoice));

        var refund = page.GetByRole(AriaRole.Form, new() { Name = $"Refund {await Number(invoice)}" });
        await refund.GetByLabel("Amount returned (IDR)").FillAsync("33000");
        await refund.GetByLabel("Take back the credits in proportion").CheckAsync();
        await refund.GetByLabel("Reason (kept in the billing log and on the credit note)").FillAsync("one third unused");
        await refund.GetByRole(AriaRole.Button, new() { Name = "Record refund" }).ClickAsync();

        Assert.Contains("refund is recorded", await page.Locator(".notice").InnerTextAsync(), StringComparison.Ordinal);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.Screenshots, "customer-refunded-390.png"), FullPage = true });
        var timeline = await page.Locator(".timeline").InnerTextAsync();
        Assert.Contains("Manual payment (bank transfer)", timeline, StringComparison.Ordinal);
        Assert.Contains("Refund CN-", timeline, StringComparison.Ordinal);
        Assert.Contains("Revoke", timeline, StringComparison.Ordinal);
        Assert.Equal(33_000, await f.H.Db.ScalarAsync<long>("SELECT refunded_amount FROM invoices WHERE id = $1", invoice));
        var overflow = await page.EvaluateAsync<int>("document.documentElement.scrollWidth - window.innerWidth");
        Assert.True(overflow <= 0, $"{overflow}px wider than the window");
    }

    private Task<string> Number(Guid invoice) => f.H.Db.ScalarAsync<string>("SELECT invoice_number FROM invoices WHERE id = $1", invoice);
}
