using System.Net.Http.Json;
using System.Text.Json;
using BillingCycle.IPaymu.StandIn;
using BillingCycle.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace BillingCycle.IntegrationTests.Infrastructure;

/// <summary>
/// One isolated billing world per test: its own database, the iPaymu stand-in on a real port,
/// and the app in-process with a fake clock (2026-11-01 02:00 UTC unless moved).
/// </summary>
public sealed class BillingHarness : IAsyncDisposable
{
    public static readonly DateTimeOffset Start = new(2026, 11, 1, 2, 0, 0, TimeSpan.Zero);
    private static readonly ClerkTokens Tokens = new();

    private BillingHarness(TestDatabase db, StandInHost standIn, ApiFactory api)
    {
        Db = db;
        StandIn = standIn;
        Api = api;
    }

    public TestDatabase Db { get; }
    public StandInHost StandIn { get; }
    public ApiFactory Api { get; }

    /// <summary>The app's own address when it listens on a real socket (<paramref name="kestrel"/>: for a real browser).</summary>
    public Uri? BaseUrl { get; private set; }

    public static async Task<BillingHarness> StartAsync(Dictionary<string, string?>? settings = null, Action<StandInOptions>? standIn = null,
        bool kestrel = false)
    {
        var db = await PostgresServer.CreateDatabaseAsync();
        var host = await StandInHost.StartAsync(standIn);
        var all = new Dictionary<string, string?> { ["IPAYMU_BASE_URL"] = host.BaseUrl.ToString().TrimEnd('/') };
        foreach (var (k, v) in settings ?? [])
        {
            all[k] = v;
        }
        var api = new ApiFactory(db, Tokens, all, new Microsoft.Extensions.Time.Testing.FakeTimeProvider(Start));
        if (!kestrel)
        {
            _ = api.Server; // start the app (migrations are already in the template)
            return new BillingHarness(db, host, api);
        }
        api.UseKestrel(0); // a free loopback port
        api.StartServer();
        var address = api.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses.First();
        return new BillingHarness(db, host, api) { BaseUrl = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal)) };
    }

    /// <summary>A second app instance on the same database and stand-in (another "server").</summary>
    public ApiFactory SecondInstance() =>
        new(Db, Tokens, new Dictionary<string, string?> { ["IPAYMU_BASE_URL"] = StandIn.BaseUrl.ToString().TrimEnd('/') }, Api.Clock);

    /// <summary>Another instance with extra service registrations (test doubles of a seam), on the same database and clock.</summary>
    public ApiFactory SecondInstanceWith(Action<Microsoft.Extensions.DependencyInjection.IServiceCollection> services) =>
        new(Db, Tokens, new Dictionary<string, string?> { ["IPAYMU_BASE_URL"] = StandIn.BaseUrl.ToString().TrimEnd('/') }, Api.Clock)
        {
            ExtraServices = services,
        };

    public async Task<(Guid Subscription, string User)> DueSubscriptionAsync(long price = 149_000, bool cancelAtPeriodEnd = false,
        DateTimeOffset? periodEnd = null, long interaction = 1_000, long scraper = 500)
    {
        var user = await Seed.UserAsync(Db);
        var plan = await Seed.PlanAsync(Db, price, interaction, scraper);
        var end = periodEnd ?? new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
        var start = end.AddMonths(-1);
        var sub = await Seed.SubscriptionAsync(Db, user, plan, start, start, end, cancelAtPeriodEnd);
        return (sub, user);
    }

    public async Task<JsonElement> RenewAsync(HttpClient? client = null)
    {
        var res = await (client ?? Api.Cron()).PostAsync("/api/billing/renew", null);
        res.EnsureSuccessStatusCode();
        return await res.Content.ReadFromJsonAsync<JsonElement>();
    }

    public async Task<JsonElement> RetryAsync()
    {
        var res = await Api.Cron().PostAsync("/api/billing/retry", null);
        res.EnsureSuccessStatusCode();
        return await res.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>Delivers a stand-in callback to the app, as iPaymu would.</summary>
    public async Task<HttpResponseMessage> DeliverAsync(SignedCallback cb, string? signatureOverride = null, bool withSignature = true)
    {
        using var req = new HttpRequestMessage(HttpMethod.Post, "/api/billing/webhook")
        {
            Content = new StringContent(cb.Body, System.Text.Encoding.UTF8, cb.ContentType),
        };
        req.Content.Headers.ContentType!.CharSet = null;
        if (withSignature)
        {
            req.Headers.TryAddWithoutValidation("X-Signature", signatureOverride ?? cb.Signature);
        }
        req.Headers.TryAddWithoutValidation("X-External-ID", cb.ExternalId);
        return await Api.CreateClient().SendAsync(req);
    }

    public Task<string> InvoiceReferenceAsync(Guid subscription, int attempt = 1) =>
        Db.ScalarAsync<string>(
            "SELECT p.reference_id FROM payments p JOIN invoices i ON i.id = p.invoice_id WHERE i.subscription_id = $1 AND p.attempt_number = $2",
            subscription, attempt);

    public async ValueTask DisposeAsync()
    {
        await Api.DisposeAsync();
        await StandIn.DisposeAsync();
        await Db.DisposeAsync();
    }
}
