using BillingCycle.IntegrationTests.Console.Browser;
using BillingCycle.IntegrationTests.Subscriptions;
using Microsoft.Playwright;

namespace BillingCycle.IntegrationTests.Portal.Browser;

/// <summary>
/// One Debian Chromium and one billing world (its own database, the app on a loopback port) for the
/// portal's browser tests; a fresh browser context per customer, signed in by following a link.
/// </summary>
public sealed class PortalBrowserFixture : IAsyncLifetime
{
    private IPlaywright? _playwright;

    public LifecycleWorld W { get; private set; } = null!;

    /// <summary>Basic: Starter's price with a 14-day trial (contract §11.2).</summary>
    public Guid Basic { get; private set; }
    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        if (!File.Exists(BrowserFixture.ChromiumPath))
        {
            throw new InvalidOperationException($"No Chromium at {BrowserFixture.ChromiumPath}: install Debian's package or set BILLING_CHROMIUM.");
        }
        Directory.CreateDirectory(BrowserFixture.Screenshots);
        // A browser loads every page and its stylesheet from one address: the flood has its own test.
        W = await LifecycleWorld.StartAsync(new() { ["BILLING_PORTAL_RATE_LIMIT_PER_MINUTE"] = "100000" }, kestrel: true);
        Basic = await W.H.Db.ScalarAsync<Guid>("""
            INSERT INTO subscription_plans (name, price, interaction_credits, scraper_credits, trial_days)
            VALUES ('Basic', 49000, 200, 100, 14) RETURNING id
            """);
        await W.H.Db.ExecAsync("INSERT INTO credit_packs (name, credit_type, credits, price) VALUES ('Scraper 1K', 'scraper', 1000, 50000)");
        await W.H.Db.ExecAsync("INSERT INTO coupons (code, name, percent_off, duration) VALUES ('SETIA10', 'Setia 10%', 10, 'forever')");
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = BrowserFixture.ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
        });
    }

    /// <summary>A fresh browser at this width that followed a new portal link of the user (as the web app hands it over).</summary>
    public async Task<IPage> EnterAsync(string user, int width, string? locale = null)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = W.H.BaseUrl!.ToString().TrimEnd('/'),
            ViewportSize = new ViewportSize { Width = width, Height = width > 600 ? 900 : 844 },
            AcceptDownloads = true,
        });
        context.SetDefaultTimeout(60_000); // as the console's: CI shares two cores with everything else
        var page = await context.NewPageAsync();
        var (_, link) = await PortalWorld.LinkAsync(W, user, locale is null ? new { } : new { locale });
        await page.GotoAsync(PortalWorld.PathOf(link));
        Assert.EndsWith("/portal", page.Url, StringComparison.Ordinal);
        return page;
    }

    /// <summary>The same page follows a new link of the user: a session lasts an hour of the billing clock.</summary>
    public async Task ReenterAsync(IPage page, string user)
    {
        var (_, link) = await PortalWorld.LinkAsync(W, user);
        await page.GotoAsync(PortalWorld.PathOf(link));
        Assert.EndsWith("/portal", page.Url, StringComparison.Ordinal);
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }
        _playwright?.Dispose();
        if (W is not null)
        {
            await W.DisposeAsync();
        }
    }
}
