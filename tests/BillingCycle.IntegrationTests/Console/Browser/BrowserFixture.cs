using BillingCycle.IntegrationTests.Infrastructure;
using BillingCycle.TestSupport;
using Microsoft.Playwright;

namespace BillingCycle.IntegrationTests.Console.Browser;

/// <summary>
/// Debian's Chromium (the <c>chromium</c> package; <c>.ci/run</c> installs it) driven by Playwright
/// for .NET through its bundled driver: no browser is downloaded. The app listens on a real
/// loopback port, with the November world played on the engine.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string Operator = "user_operator_putu";

    private IPlaywright? _playwright;

    public BillingHarness H { get; private set; } = null!;
    public IBrowser Browser { get; private set; } = null!;

    /// <summary>Screenshots, git-ignored: .local/test-results/screenshots/ (test.sh keeps .local/test-results as the run's artifacts).</summary>
    public static string Screenshots { get; } = Path.Combine(DedicatedPostgres.RepoRoot(), ".local", "test-results", "screenshots");

    public static string ChromiumPath =>
        Environment.GetEnvironmentVariable("BILLING_CHROMIUM") is { Length: > 0 } p ? p : "/usr/bin/chromium";

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException(
                $"No Chromium at {ChromiumPath}: install Debian's package (apt-get install chromium, as .ci/run does) or set BILLING_CHROMIUM.");
        }
        Directory.CreateDirectory(Screenshots);
        H = await BillingHarness.StartAsync(kestrel: true);
        await NovemberWorld.PlayAsync(H);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            // Root in CI has no user namespaces for Chromium's sandbox; the pages are our own.
            Args = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
        });
    }

    /// <summary>A fresh browser profile at this width, signed in by pasting a token into /admin/sign-in, as the run command says.</summary>
    public async Task<IPage> SignedInPageAsync(int width, string userId = Operator)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = H.BaseUrl!.ToString().TrimEnd('/'),
            ViewportSize = new ViewportSize { Width = width, Height = width > 600 ? 900 : 844 },
            AcceptDownloads = true,
            Locale = "en-US",
        });
        context.SetDefaultTimeout(60_000); // CI shares two cores with everything else (30 s once ran out on /admin under a mutation run)
        var page = await context.NewPageAsync();
        await page.GotoAsync("/admin/sign-in");
        await page.FillAsync("#token", H.Api.Tokens.Admin(userId));
        await page.ClickAsync("form[action='/admin/sign-in'] button[type=submit]");
        await page.WaitForURLAsync(u => u.EndsWith("/admin", StringComparison.Ordinal),
            new PageWaitForURLOptions { WaitUntil = WaitUntilState.DOMContentLoaded });
        var html = await page.ContentAsync();
        Assert.DoesNotContain("Sign-in required", html, StringComparison.Ordinal);
        Assert.Contains(userId, html, StringComparison.Ordinal);
        return page;
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }
        _playwright?.Dispose();
        if (H is not null)
        {
            await H.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<BrowserFixture>
{
    public const string Name = "console in a real browser";
}
