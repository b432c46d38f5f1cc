using BillingCycle.Api.Console.Handlers;
using CsvHelper;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace BillingCycle.IntegrationTests.Console.Browser;

/// <summary>The console in Chromium: sign in, every page at 1280 and 390 px with axe, and each action done by clicking.</summary>
[Collection(BrowserCollection.Name)]
public sealed class ConsoleBrowserTests(BrowserFixture f)
{
    private static readonly (string Name, string Path, string Heading)[] Pages =
    [
        ("overview", "/admin", "Overview"),
        ("funnel", $"/admin/funnel?month={NovemberWorld.Month}", "Dunning funnel"),
        ("oddities", "/admin/oddities", "Oddities"),
        ("customers", "/admin/customers?q=e", "Customers"),
        ("customer", $"/admin/customers/{NovemberWorld.FullDunningCustomer}", "Eka Saputra"),
        ("jobs", "/admin/jobs", "Jobs"),
        ("deliveries", "/admin/deliveries", "Deliveries"),
        ("export", "/admin/export", "Export"),
        ("tax", $"/admin/tax?month={NovemberWorld.Month}", "Tax"),
    ];

    [Theory]
    [InlineData(1280)]
    [InlineData(390)]
    public async Task Every_page_renders_fits_the_width_and_has_no_serious_or_critical_accessibility_violation(int width)
    {
        var page = await f.SignedInPageAsync(width);
        var problems = new List<string>();
        foreach (var (name, path, heading) in Pages)
        {
            var res = await page.GotoAsync(path);
            Assert.Equal(200, res!.Status);
            Assert.Equal(heading, await page.Locator("h1").InnerTextAsync());
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.Screenshots, $"{name}-{width}.png"), FullPage = true });

            // Nothing wider than the window: tables scroll inside their own region, the page itself does not.
            var overflow = await page.EvaluateAsync<int>("document.documentElement.scrollWidth - window.innerWidth");
            if (overflow > 0)
            {
                problems.Add($"{name} at {width}px is {overflow}px wider than the window");
            }
            var axe = await page.RunAxe();
            problems.AddRange(axe.Violations.Where(v => v.Impact is "serious" or "critical")
                .Select(v => $"{name} at {width}px: {v.Impact} {v.Id}: {v.Help} ({string.Join(", ", v.Nodes.Take(3).Select(n => n.Html))})"));
        }
        await SignInPageScreenshotAsync(width, problems);
        Assert.Empty(problems);
    }

    private async Task SignInPageScreenshotAsync(int width, List<string> problems)
    {
        await using var context = await f.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = f.H.BaseUrl!.ToString().TrimEnd('/'), ViewportSize = new ViewportSize { Width = width, Height = 800 },
        });
        var page = await context.NewPageAsync();
        var refused = await page.GotoAsync("/admin");
        Assert.Equal(401, refused!.Status);
        await page.GetByRole(AriaRole.Link, new() { Name = "Sign in" }).Last.ClickAsync();
        Assert.Equal("Sign in", await page.Locator("h1").InnerTextAsync());
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.Screenshots, $"sign-in-{width}.png"), FullPage = true });
        var axe = await page.RunAxe();
        problems.AddRange(axe.Violations.Where(v => v.Impact is "serious" or "critical").Select(v => $"sign-in at {width}px: {v.Id}"));

        // Pasting a token into the form signs in as well (the form carries its antiforgery token).
        await page.GetByLabel("Clerk session token").FillAsync(f.H.Api.Tokens.Admin(BrowserFixture.Operator));
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        Assert.Equal("Overview", await page.Locator("h1").InnerTextAsync());
    }

    [Fact]
    public async Task Searching_the_customer_with_a_full_dunning_history_shows_every_step_in_her_timeline()
    {
        var page = await f.SignedInPageAsync(1280);
        await page.GetByRole(AriaRole.Link, new() { Name = "Customers" }).ClickAsync();
        await page.GetByLabel("Email, name or user id (starts with)").FillAsync("eka");
        await page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Eka Saputra" }).ClickAsync();
        Assert.Equal("Eka Saputra", await page.Locator("h1").InnerTextAsync());

        var timeline = await page.Locator(".timeline").InnerTextAsync();
        string[] steps =
        [
            "Subscription started on Pro", "Invoice INV-202611-", "Payment attempt 1 (first link)",
            "Retry 1 scheduled", "Retry 2 scheduled", "Retry 3 scheduled", "Retry 4 scheduled", "Retry 5 scheduled",
            "Payment attempt 2 (retry 1)", "Payment attempt 6 (retry 5)", "Payment attempt 6 expired",
            "billing_payment_due: Percobaan pembayaran ke-5", "billing_failed: Pembayaran percobaan ke-4 belum berhasil",
            "subscription_cancelled: Langganan Anda telah dibatalkan", "Subscription canceled", "Payment failed after 5 retry attempts",
            "iPaymu callback", "oddity: invoice_already_cancelled",
        ];
        Assert.All(steps, s => Assert.Contains(s, timeline, StringComparison.Ordinal));
        Assert.Equal(6, await page.Locator("li[data-kind=payment]", new() { HasText = "(retry" }).CountAsync()
                        + await page.Locator("li[data-kind=payment]", new() { HasText = "(first link)" }).CountAsync());
    }

    [Fact]
    public async Task Resolving_an_oddity_with_a_note_moves_it_below_the_unresolved_ones()
    {
        // A second, newer oddity, so the resolved one visibly moves down past it.
        var (sub, user) = await f.H.DueSubscriptionAsync();
        var newer = await f.H.Db.ScalarAsync<Guid>("""
            SELECT log_billing_event('payment_oddity', $1, $2, 'error', '{"kind": "amount_mismatch", "expected": 149000, "reported": 1000}'::jsonb,
                                     'Paid amount does not match the invoice', timestamptz '2026-11-29 12:00Z')
            """, sub, user);
        var page = await f.SignedInPageAsync(1280);
        await page.GotoAsync("/admin/oddities");
        var first = page.Locator("article.oddity").First;
        Assert.Equal(newer.ToString(), await first.GetAttributeAsync("data-oddity"));
        Assert.Equal("false", await first.GetAttributeAsync("data-resolved"));

        await first.GetByLabel("What was done").FillAsync("Customer paid the wrong amount; refunded by transfer");
        await first.GetByRole(AriaRole.Button, new() { Name = "Resolve" }).ClickAsync();

        Assert.Contains("Oddity resolved", await page.Locator(".notice").InnerTextAsync(), StringComparison.Ordinal);
        var ids = await page.Locator("article.oddity").EvaluateAllAsync<string[]>("els => els.map(e => e.dataset.oddity + ':' + e.dataset.resolved)");
        var moved = Array.IndexOf(ids, $"{newer}:true");
        Assert.True(moved > 0, string.Join(" ", ids));
        Assert.All(ids[..moved], id => Assert.EndsWith(":false", id, StringComparison.Ordinal));
        Assert.Contains("refunded by transfer", await page.Locator($"article[data-oddity='{newer}']").InnerTextAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Running_a_job_from_the_jobs_page_adds_its_row_to_the_history()
    {
        var page = await f.SignedInPageAsync(390);
        await page.GotoAsync("/admin/jobs");
        var before = await page.Locator("tr[data-run]").CountAsync();
        var card = page.Locator("section.card", new() { HasText = "housekeeping" });
        await card.GetByLabel("Reason").FillAsync("prune after the callback storm");
        await card.GetByRole(AriaRole.Button, new() { Name = "Run housekeeping now" }).ClickAsync();

        Assert.Contains("?run=", page.Url, StringComparison.Ordinal);
        var row = page.Locator("tr.highlight");
        Assert.Equal("housekeeping", await row.GetAttributeAsync("data-job"));
        Assert.Contains("http", await row.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(before + 1, await page.Locator("tr[data-run]").CountAsync());
        Assert.Equal(1, await f.H.Db.ScalarAsync<long>(
            "SELECT count(*) FROM billing_logs WHERE event_type = 'operator_action' AND details ->> 'reason' = 'prune after the callback storm'"));
    }

    [Fact]
    public async Task The_export_downloads_a_csv_of_the_months_invoices_that_parses_back()
    {
        var page = await f.SignedInPageAsync(1280);
        await page.GotoAsync("/admin/export");
        await page.GetByLabel("Month").FillAsync(NovemberWorld.Month);
        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Button, new() { Name = "Download CSV" }).ClickAsync());
        Assert.Equal($"invoices-{NovemberWorld.Month}.csv", download.SuggestedFilename);
        var file = Path.Combine(BrowserFixture.Screenshots, "..", $"invoices-{NovemberWorld.Month}.csv");
        await download.SaveAsAsync(file);

        var rows = new List<string[]>();
        await using (var csv = CsvReader.Create(File.OpenRead(file)))
        {
            Assert.Equal(ExportHandlers.Header, csv.Headers.ToArray());
            while (csv.Read())
            {
                rows.Add(Enumerable.Range(0, ExportHandlers.Header.Length).Select(csv.GetString).ToArray());
            }
        }
        var expected = await f.H.Db.ListAsync<string>("""
            SELECT invoice_number FROM invoices WHERE created_at >= timestamptz '2026-11-01Z' AND created_at < timestamptz '2026-12-01Z'
             ORDER BY created_at, invoice_number
            """);
        Assert.Equal(expected, rows.Where(r => r[10] == "invoice").Select(r => r[0]).ToList());
        // Credit notes follow the invoices, one negative row each (contract §13.2).
        var notes = await f.H.Db.ListAsync<string>("""
            SELECT credit_note_number || '|-' || amount FROM credit_notes
             WHERE created_at >= timestamptz '2026-11-01Z' AND created_at < timestamptz '2026-12-01Z' ORDER BY created_at, credit_note_number
            """);
        Assert.Equal(notes, rows.Where(r => r[10] == "credit_note").Select(r => $"{r[0]}|{r[5]}").ToList());
        var eka = Assert.Single(rows, r => r[3] == "eka@example.com");
        Assert.Equal(["Eka Saputra", "2026-11-01/2026-12-01", "149000", "0", "cancelled", ""], [eka[2], eka[4], eka[5], eka[6], eka[7], eka[8]]);
        var ayu = Assert.Single(rows, r => r[3] == "ayu@example.com");
        Assert.Equal("paid", ayu[7]);
        Assert.Matches("^2026-11-01T02:00:00Z$", ayu[8]);
        Assert.NotEmpty(ayu[9]); // the paying attempt's transaction id
    }
}
