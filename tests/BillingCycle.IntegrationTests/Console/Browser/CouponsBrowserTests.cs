using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace BillingCycle.IntegrationTests.Console.Browser;

/// <summary>The coupons page in Chromium (contract §11.3): a coupon created through the form, listed, deactivated; at 390 px with axe.</summary>
[Collection(BrowserCollection.Name)]
public sealed class CouponsBrowserTests(BrowserFixture f)
{
    [Fact]
    public async Task An_operator_creates_a_coupon_sees_it_listed_and_deactivates_it()
    {
        var page = await f.SignedInPageAsync(390);
        await page.GotoAsync("/admin/coupons");
        await page.GetByLabel("Code (").FillAsync("BROWSER25");
        await page.GetByLabel("Name (").FillAsync("Browser launch");
        await page.Locator("#coupon-kind").SelectOptionAsync("percent");
        await page.GetByLabel("Value").FillAsync("25");
        await page.Locator("#coupon-duration").SelectOptionAsync("repeating");
        await page.GetByLabel("Periods (").FillAsync("3");
        await page.GetByLabel("Max redemptions (").FillAsync("100");
        await page.Locator("#coupon-reason").FillAsync("Launch campaign");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create coupon" }).ClickAsync();

        Assert.Contains("The coupon is created", await page.Locator(".notice").InnerTextAsync(), StringComparison.Ordinal);
        var row = page.Locator("tr[data-coupon='BROWSER25']");
        Assert.Contains("25%", await row.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal("25|repeating|3|100|t", await f.H.Db.ScalarAsync<string>(
            "SELECT percent_off || '|' || duration || '|' || duration_in_periods || '|' || max_redemptions || '|' || is_active::text::char FROM coupons WHERE code = 'BROWSER25'"));
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.Screenshots, "coupons-390.png"), FullPage = true });
        Assert.True(await page.EvaluateAsync<int>("document.documentElement.scrollWidth - window.innerWidth") <= 0);
        var axe = await page.RunAxe();
        Assert.Empty(axe.Violations.Where(v => v.Impact is "serious" or "critical").Select(v => v.Id));

        await row.Locator("input[name='reason']").FillAsync("Campaign over");
        await row.GetByRole(AriaRole.Button, new() { Name = "Deactivate" }).ClickAsync();

        Assert.Contains("deactivated", await page.Locator(".notice").InnerTextAsync(), StringComparison.Ordinal);
        Assert.False(await f.H.Db.ScalarAsync<bool>("SELECT is_active FROM coupons WHERE code = 'BROWSER25'"));
        Assert.Equal(2, await f.H.Db.ScalarAsync<long>(
            "SELECT count(*) FROM billing_logs WHERE event_type = 'operator_action' AND details->>'action' IN ('create_coupon', 'deactivate_coupon')"));
    }

    [Fact]
    public async Task A_coupon_with_a_bad_field_is_refused_with_the_API_s_code()
    {
        var page = await f.SignedInPageAsync(1280);
        await page.GotoAsync("/admin/coupons");
        await page.GetByLabel("Code (").FillAsync("TOOMUCH");
        await page.GetByLabel("Name (").FillAsync("Too much");
        await page.GetByLabel("Value").FillAsync("150");
        await page.Locator("#coupon-reason").FillAsync("Typo");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create coupon" }).ClickAsync();

        Assert.Equal("Coupon not created", await page.Locator("h1").InnerTextAsync());
        Assert.Contains("INVALID_PERCENT_OFF", await page.Locator("main").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await f.H.Db.ScalarAsync<long>("SELECT count(*) FROM coupons WHERE code = 'TOOMUCH'"));
    }
}
