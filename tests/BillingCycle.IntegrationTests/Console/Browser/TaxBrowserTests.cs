using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace BillingCycle.IntegrationTests.Console.Browser;

/// <summary>The tax month in Chromium (contract §12.4, §12.5): the NSFP list pasted back by typing, the per-line report at 390 px with axe.</summary>
[Collection(BrowserCollection.Name)]
public sealed class TaxBrowserTests(BrowserFixture f)
{
    [Fact]
    public async Task Pasting_the_NSFP_list_stores_the_paid_invoice_s_and_reports_every_line()
    {
        var paid = await f.H.Db.ScalarAsync<string>(
            "SELECT invoice_number FROM invoices WHERE status = 'paid' AND tax_invoice_number IS NULL ORDER BY invoice_number LIMIT 1");
        var page = await f.SignedInPageAsync(390);
        await page.GotoAsync($"/admin/tax?month={NovemberWorld.Month}");
        await page.GetByLabel("One line per faktur").FillAsync($"{paid}\t04002600000000777\nINV-209901-000001,04002600000000778\nnonsense");
        await page.GetByRole(AriaRole.Button, new() { Name = "Store NSFP" }).ClickAsync();

        Assert.Equal("NSFP import", await page.Locator("h1").InnerTextAsync());
        Assert.Equal("Stored", await page.Locator("tr[data-line='1']").GetAttributeAsync("data-outcome"));
        Assert.Equal("UnknownInvoice", await page.Locator("tr[data-line='2']").GetAttributeAsync("data-outcome"));
        Assert.Equal("Malformed", await page.Locator("tr[data-line='3']").GetAttributeAsync("data-outcome"));
        Assert.Equal("04002600000000777", await f.H.Db.ScalarAsync<string>("SELECT tax_invoice_number FROM invoices WHERE invoice_number = $1", paid));
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.Screenshots, "tax-serials-390.png"), FullPage = true });
        Assert.True(await page.EvaluateAsync<int>("document.documentElement.scrollWidth - window.innerWidth") <= 0);
        var axe = await page.RunAxe();
        Assert.Empty(axe.Violations.Where(v => v.Impact is "serious" or "critical").Select(v => v.Id));
    }
}
