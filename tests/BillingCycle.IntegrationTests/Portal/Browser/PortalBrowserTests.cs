using BillingCycle.IntegrationTests.Console.Browser;
using BillingCycle.TestSupport;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace BillingCycle.IntegrationTests.Portal.Browser;

/// <summary>The customer portal in Chromium (contract §14): every page at 390 and 1280 px with axe, and one whole story.</summary>
public sealed class PortalBrowserTests(PortalBrowserFixture f) : IClassFixture<PortalBrowserFixture>
{
    private static readonly string[] Pages = ["/portal", "/portal/plans", "/portal/invoices", "/portal/credits", "/portal/billing-details", "/portal/cancel"];

    /// <summary>A paid Starter customer of the world, half a month into the period.</summary>
    private async Task<string> CustomerAsync(string user)
    {
        await Seed.UserAsync(f.W.H.Db, user);
        await f.W.CheckoutAsync(user, f.W.Starter);
        await f.W.PayLatestAsync(user);
        return user;
    }

    [Fact]
    public async Task Every_page_at_390_and_1280_px_has_one_column_on_a_phone_and_no_serious_axe_finding()
    {
        var user = await CustomerAsync("u_pages");
        foreach (var width in new[] { 390, 1280 })
        {
            var page = await f.EnterAsync(user, width);
            foreach (var path in Pages.Append($"/portal/plans?choose={f.W.Pro}"))
            {
                var response = await page.GotoAsync(path);
                Assert.Equal(200, response!.Status);
                var name = path.Replace("/portal", "portal", StringComparison.Ordinal).Replace('/', '-').Replace("?choose=", "-preview-", StringComparison.Ordinal);
                name = name.Contains("preview", StringComparison.Ordinal) ? "portal-plans-preview" : name;
                await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.Screenshots, $"{name}-{width}.png"), FullPage = true });
                Assert.True(await page.EvaluateAsync<int>("document.documentElement.scrollWidth - window.innerWidth") <= 0, $"{path} scrolls sideways at {width}");
                var axe = await page.RunAxe();
                Assert.Empty(axe.Violations.Where(v => v.Impact is "serious" or "critical").Select(v => $"{path}: {v.Id}"));
            }
            if (width == 390)
            {
                // The plans stand in one column on a phone.
                var xs = await page.Locator("li.plan").EvaluateAllAsync<int[]>("els => els.map(e => Math.round(e.getBoundingClientRect().left))");
                Assert.Single(xs.Distinct());
                // The error beside its field, in the page's language.
                await page.GotoAsync("/portal/billing-details");
                await page.SelectOptionAsync("#f-tax_id_type", "npwp");
                await page.FillAsync("#f-tax_id", "123");
                await page.ClickAsync("form.details button[type=submit]");
                await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.Screenshots, "portal-billing-details-error-390.png"), FullPage = true });
                var axe = await page.RunAxe();
                Assert.Empty(axe.Violations.Where(v => v.Impact is "serious" or "critical").Select(v => v.Id));
                // A coupon refused beside its field on the live subscription's form.
                await page.GotoAsync("/portal/plans");
                await page.FillAsync("#f-redeem", "SALAH");
                await page.GetByRole(AriaRole.Button, new() { Name = "Pakai kupon" }).ClickAsync();
                Assert.True(await page.Locator("[data-error-for=coupon_code]").IsVisibleAsync());
                await page.ScreenshotAsync(new() { Path = Shot("portal-plans-coupon-error-390.png"), FullPage = true });
                await NoSeriousAxeFindingAsync(page);
            }
            await page.Context.CloseAsync();
        }
    }

    private static string Shot(string name) => Path.Combine(BrowserFixture.Screenshots, name);

    private static async Task NoSeriousAxeFindingAsync(IPage page)
    {
        var axe = await page.RunAxe();
        Assert.Empty(axe.Violations.Where(v => v.Impact is "serious" or "critical").Select(v => $"{page.Url}: {v.Id}"));
    }

    [Fact]
    public async Task A_customer_signs_up_with_a_trial_pays_upgrades_applies_a_coupon_buys_a_pack_enters_an_npwp_downloads_a_pdf_cancels_resumes_and_signs_out()
    {
        const string user = "u_story";
        await Seed.UserAsync(f.W.H.Db, user);
        var standIn = f.W.H.StandIn.BaseUrl.ToString().TrimEnd('/');
        var page = await f.EnterAsync(user, 390);

        // Sign up with a trial: shown on the plan and before confirming; a wrong coupon beside its field first.
        await page.GetByRole(AriaRole.Link, new() { Name = "Pilih paket" }).ClickAsync();
        Assert.Contains("14 hari gratis", await page.Locator("li.plan[data-plan=Basic]").InnerTextAsync(), StringComparison.Ordinal);
        await page.GetByRole(AriaRole.Link, new() { Name = "Pilih Basic" }).ClickAsync();
        Assert.Equal("14 hari", await page.Locator("[data-field=trial]").InnerTextAsync());
        Assert.Equal("Rp49.000", await page.Locator("[data-field=after-trial]").InnerTextAsync());
        await page.FillAsync("#f-coupon", "SALAH");
        await page.GetByRole(AriaRole.Button, new() { Name = "Terapkan" }).ClickAsync();
        Assert.Equal("Kode kupon ini tidak dikenal atau sudah tidak berlaku.", await page.Locator("[data-error-for=coupon]").InnerTextAsync());
        await page.ScreenshotAsync(new() { Path = Shot("portal-plans-trial-coupon-error-390.png"), FullPage = true });
        await NoSeriousAxeFindingAsync(page);
        await page.FillAsync("#f-coupon", "");
        await page.GetByRole(AriaRole.Button, new() { Name = "Terapkan" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Konfirmasi" }).ClickAsync();
        Assert.Equal("Masa percobaan Anda dimulai.", await page.Locator("p.notice").InnerTextAsync());
        Assert.Equal("trialing", await page.Locator("[data-field=status]").GetAttributeAsync("data-status"));
        Assert.Equal("15 November 2026", await page.Locator("[data-field=trial-end]").InnerTextAsync());
        await page.ScreenshotAsync(new() { Path = Shot("portal-trialing-390.png"), FullPage = true });
        Assert.Equal(0, await f.W.H.Db.ScalarAsync<long>("SELECT count(*) FROM invoices WHERE user_id = 'u_story'"));

        // The trial's end bills the first month; the customer pays it on the stand-in from the overview.
        f.W.H.Api.Clock.Advance(TimeSpan.FromDays(14));
        await f.W.H.RenewAsync();
        await f.ReenterAsync(page, user); // a session lasts an hour of the billing clock
        await page.Locator("section.open-invoice").GetByRole(AriaRole.Button, new() { Name = "Bayar" }).ClickAsync();
        Assert.StartsWith(standIn, page.Url, StringComparison.Ordinal);
        await f.W.PayLatestAsync(user);
        f.W.H.Api.Clock.Advance(TimeSpan.FromDays(15)); // half of the first paid month left
        await f.ReenterAsync(page, user);
        Assert.Contains("Basic", await page.Locator("[data-field=plan]").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal("active", await page.Locator("[data-field=status]").GetAttributeAsync("data-status"));

        // Upgrade: the prorated amount first, then the invoice's pay page, then iPaymu's (the stand-in's).
        await page.GetByRole(AriaRole.Link, new() { Name = "Paket", Exact = true }).First.ClickAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Pilih Pro" }).ClickAsync();
        Assert.Equal("Rp50.000", await page.Locator("[data-field=prorated]").InnerTextAsync());
        await page.GetByRole(AriaRole.Button, new() { Name = "Konfirmasi" }).ClickAsync();
        Assert.Contains("/pay/", page.Url, StringComparison.Ordinal);
        Assert.Contains("Rp50.000", await page.ContentAsync(), StringComparison.Ordinal);
        await page.GetByRole(AriaRole.Button, new() { Name = "Bayar sekarang" }).ClickAsync();
        Assert.StartsWith(standIn, page.Url, StringComparison.Ordinal);
        await f.W.PayLatestAsync(user); // the customer pays there; iPaymu's callback arrives
        await page.GotoAsync("/portal");
        Assert.Contains("Pro", await page.Locator("[data-field=plan]").InnerTextAsync(), StringComparison.Ordinal);

        // A coupon on the live subscription: a wrong code beside the field, then a good one, seen in the next invoice.
        await page.GotoAsync("/portal/plans");
        await page.FillAsync("#f-redeem", "SALAH");
        await page.GetByRole(AriaRole.Button, new() { Name = "Pakai kupon" }).ClickAsync();
        Assert.Equal("Kode kupon ini tidak dikenal atau sudah tidak berlaku.", await page.Locator("[data-error-for=coupon_code]").InnerTextAsync());
        await page.FillAsync("#f-redeem", "setia10");
        await page.GetByRole(AriaRole.Button, new() { Name = "Pakai kupon" }).ClickAsync();
        Assert.Equal("Kupon dipakai: diskonnya berlaku mulai tagihan berikutnya.", await page.Locator("p.notice").InnerTextAsync());
        Assert.Contains("Rp134.100", await page.Locator("[data-field=next-invoice]").InnerTextAsync(), StringComparison.Ordinal); // Pro − 10%
        Assert.Contains("SETIA10", await page.Locator("[data-field=coupon]").InnerTextAsync(), StringComparison.Ordinal);

        // A credit pack: its invoice's pay page, the stand-in, the credits added.
        var scraper = await f.W.BalanceAsync(user, "scraper");
        await page.GotoAsync("/portal/credits");
        await page.GetByRole(AriaRole.Button, new() { Name = "Beli Scraper 1K" }).ClickAsync();
        Assert.Contains("/pay/", page.Url, StringComparison.Ordinal);
        Assert.Contains("Rp50.000", await page.ContentAsync(), StringComparison.Ordinal);
        await page.GetByRole(AriaRole.Button, new() { Name = "Bayar sekarang" }).ClickAsync();
        Assert.StartsWith(standIn, page.Url, StringComparison.Ordinal);
        await f.W.PayLatestAsync(user);
        await page.GotoAsync("/portal/credits");
        Assert.Equal(scraper + 1_000, await f.W.BalanceAsync(user, "scraper"));
        Assert.Equal((scraper + 1_000).ToString("#,0", System.Globalization.CultureInfo.InvariantCulture).Replace(',', '.'),
            await page.Locator("[data-field=scraper]").InnerTextAsync());

        // A bad NPWP, its error beside the field; then a good one.
        await page.GotoAsync("/portal/billing-details");
        await page.FillAsync("#f-name", "PT Maju Jaya");
        await page.SelectOptionAsync("#f-tax_id_type", "npwp");
        await page.FillAsync("#f-tax_id", "12.345");
        await page.ClickAsync("form.details button[type=submit]");
        Assert.True(await page.Locator("[data-error-for=tax_id]").IsVisibleAsync());
        Assert.Equal("PT Maju Jaya", await page.InputValueAsync("#f-name"));
        await page.FillAsync("#f-tax_id", "0012345678901000");
        await page.ClickAsync("form.details button[type=submit]");
        Assert.Equal("Data penagihan tersimpan.", await page.Locator("p.notice").InnerTextAsync());
        Assert.Equal("0012345678901000", await f.W.H.Db.ScalarAsync<string>("SELECT tax_id FROM billing_details WHERE user_id = 'u_story'"));

        // The upgrade's PDF.
        await page.GotoAsync("/portal/invoices");
        var download = await page.RunAndWaitForDownloadAsync(() =>
            page.Locator("li.invoice[data-status=paid]").First.GetByRole(AriaRole.Link, new() { Name = "PDF" }).ClickAsync());
        var pdf = await File.ReadAllBytesAsync((await download.PathAsync())!);
        Assert.Equal("%PDF"u8.ToArray(), pdf[..4]);

        // Cancel at the end of the period (after a confirmation), then resume.
        await page.GotoAsync("/portal");
        await page.GetByRole(AriaRole.Link, new() { Name = "Berhenti berlangganan" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Ya, berhenti di akhir periode" }).ClickAsync();
        Assert.True(await page.Locator("[data-field=cancel-at]").IsVisibleAsync());
        Assert.True(await f.W.H.Db.ScalarAsync<bool>("SELECT cancel_at_period_end FROM subscriptions WHERE user_id = 'u_story'"));
        await page.GetByRole(AriaRole.Button, new() { Name = "Lanjutkan langganan" }).ClickAsync();
        Assert.Equal("Langganan dilanjutkan.", await page.Locator("p.notice").InnerTextAsync());
        Assert.False(await f.W.H.Db.ScalarAsync<bool>("SELECT cancel_at_period_end FROM subscriptions WHERE user_id = 'u_story'"));

        // Sign out; the cookie, put back into a browser, opens nothing.
        var cookie = (await page.Context.CookiesAsync()).Single(c => c.Name == "__billing_portal");
        Assert.True(cookie.HttpOnly);
        Assert.Equal(SameSiteAttribute.Lax, cookie.SameSite);
        await page.GetByRole(AriaRole.Button, new() { Name = "Keluar" }).ClickAsync();
        Assert.Equal("Anda telah keluar", await page.Locator("h1").InnerTextAsync());
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.Screenshots, "portal-signed-out-390.png"), FullPage = true });
        await page.Context.AddCookiesAsync([new Cookie { Name = cookie.Name, Value = cookie.Value, Domain = cookie.Domain, Path = cookie.Path }]);
        var replay = await page.GotoAsync("/portal");
        Assert.Equal(401, replay!.Status);
        Assert.Equal("Sesi berakhir", await page.Locator("h1").InnerTextAsync());
        await page.Context.CloseAsync();
    }
}
