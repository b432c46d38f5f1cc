using System.Net;
using BillingCycle.IntegrationTests.Infrastructure;
using BillingCycle.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace BillingCycle.IntegrationTests.Webhooks;

/// <summary>
/// Contract §10.4's buckets at the default 120 a minute: the pay pages have their own, the webhook
/// counts only callbacks without a valid signature, and a forwarded address is believed only from
/// a configured proxy.
/// </summary>
public sealed class RateLimitBucketTests
{
    private static readonly Dictionary<string, string?> Default = new() { ["BILLING_RATE_LIMIT_PER_MINUTE"] = "120" };

    [Fact]
    public async Task Five_times_the_limit_of_validly_signed_callbacks_from_one_address_in_a_minute_are_never_answered_429()
    {
        await using var h = await BillingHarness.StartAsync(Default);
        var (sub, _) = await h.DueSubscriptionAsync();
        await h.RenewAsync();
        var cb = h.StandIn.Act(await h.InvoiceReferenceAsync(sub), "pay");

        // iPaymu resends from the same few addresses: the first is applied, the rest are duplicates.
        // Five times the limit: were signed callbacks counted, every one after the 120th would be
        // 429; any number past the limit proves they are not (2,000 proved nothing more, in 12 s).
        var codes = new HttpStatusCode[600];
        var started = DateTimeOffset.UtcNow;
        await Parallel.ForEachAsync(Enumerable.Range(0, codes.Length), new ParallelOptions { MaxDegreeOfParallelism = 4 },
            async (i, _) => codes[i] = (await h.DeliverAsync(cb)).StatusCode);
        var took = DateTimeOffset.UtcNow - started;

        var summary = string.Join(", ", codes.GroupBy(c => c).Select(g => $"{g.Key}: {g.Count()}"));
        BillingCycle.TestSupport.Figures.Note($"{codes.Length:N0} signed callbacks from one address (limit 120/min) in {took.TotalSeconds:0.0} s: {summary}");
        Assert.True(took < TimeSpan.FromMinutes(1), $"took {took} (the bucket is a minute long): {summary}");
        Assert.DoesNotContain(HttpStatusCode.TooManyRequests, codes);
        Assert.True(codes.Count(c => c == HttpStatusCode.OK) == codes.Length, summary);
        Assert.Equal("paid", await h.Db.ScalarAsync<string>("SELECT status FROM invoices WHERE subscription_id = $1", sub));

        // Unsigned callbacks from the same address still have their bucket, untouched by the signed ones.
        Assert.Equal(HttpStatusCode.Unauthorized, (await h.DeliverAsync(cb, withSignature: false)).StatusCode);
    }

    [Fact]
    public async Task Three_hundred_pay_page_requests_from_one_address_leave_the_webhook_answering_normally()
    {
        await using var h = await BillingHarness.StartAsync(Default);
        var (sub, _) = await h.DueSubscriptionAsync();
        await h.RenewAsync();
        var client = h.Api.CreateClient();

        // Past the limit (120) by more than the limit again: enough to see the bucket refuse, as 1,000 did.
        var pages = new List<HttpStatusCode>();
        for (var i = 0; i < 300; i++)
        {
            using var res = await client.GetAsync(new Uri("/pay/x", UriKind.Relative));
            pages.Add(res.StatusCode);
        }
        // The pay pages' bucket is real: 120 answered (404: no such invoice), the rest refused.
        Assert.Equal(120, pages.Count(c => c == HttpStatusCode.NotFound));
        Assert.Equal(180, pages.Count(c => c == HttpStatusCode.TooManyRequests));

        var cb = h.StandIn.Act(await h.InvoiceReferenceAsync(sub), "pay");
        Assert.Equal(HttpStatusCode.Unauthorized, (await h.DeliverAsync(cb, signatureOverride: "deadbeef")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await h.DeliverAsync(cb)).StatusCode);
        Assert.Equal("paid", await h.Db.ScalarAsync<string>("SELECT status FROM invoices WHERE subscription_id = $1", sub));
    }

    [Theory]
    [InlineData(null, 5)]              // unset: no forwarded header is believed, one bucket for all
    [InlineData("192.168.0.0/16", 5)]  // the sender is not a listed proxy: the same
    [InlineData("10.0.0.0/8", 8)]      // the sender is a listed proxy: each client its own bucket
    public async Task A_forwarded_address_is_believed_only_from_a_configured_proxy(string? proxies, int answered)
    {
        await using var db = await PostgresServer.CreateDatabaseAsync();
        await using var api = new ApiFactory(db, new ClerkTokens(), new Dictionary<string, string?>
        {
            ["BILLING_RATE_LIMIT_PER_MINUTE"] = "5",
            ["BILLING_KNOWN_PROXIES"] = proxies,
        })
        {
            // The in-process server has no connection address: every request comes from 10.0.0.7 here.
            ExtraServices = s => s.AddSingleton<IStartupFilter>(new FromAddress(IPAddress.Parse("10.0.0.7"))),
        };
        var client = api.CreateClient();
        var codes = new List<HttpStatusCode>();
        for (var i = 0; i < 8; i++)
        {
            using var req = new HttpRequestMessage(HttpMethod.Get, "/pay/x");
            req.Headers.TryAddWithoutValidation("X-Forwarded-For", $"203.0.113.{i + 1}");
            using var res = await client.SendAsync(req);
            codes.Add(res.StatusCode);
        }
        Assert.Equal(answered, codes.Count(c => c == HttpStatusCode.NotFound));
        Assert.Equal(8 - answered, codes.Count(c => c == HttpStatusCode.TooManyRequests));
    }

    private sealed class FromAddress(IPAddress address) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((http, nextMiddleware) =>
            {
                http.Connection.RemoteIpAddress = address;
                return nextMiddleware(http);
            });
            next(app);
        };
    }
}
