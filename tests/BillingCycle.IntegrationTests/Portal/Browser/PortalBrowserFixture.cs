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
        context.SetDefaultTimeout(30_000);
        var page = await context.NewPageAsync();
        var (_, link) = await PortalWorld.LinkAsync(W, user, locale is null ? new { } : new { locale });
        await page.GotoAsync(PortalWorld.PathOf(link));
        Assert.EndsWith("/portal", page.Url, StringComparison.Ordinal);
        return page;
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
