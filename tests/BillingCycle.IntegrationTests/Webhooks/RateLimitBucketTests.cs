using System.Net;
using BillingCycle.IntegrationTests.Infrastructure;

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
    public async Task Two_thousand_validly_signed_callbacks_from_one_address_in_a_minute_are_never_answered_429()
    {
        await using var h = await BillingHarness.StartAsync(Default);
        var (sub, _) = await h.DueSubscriptionAsync();
        await h.RenewAsync();
        var cb = h.StandIn.Act(await h.InvoiceReferenceAsync(sub), "pay");

        // iPaymu resends from the same few addresses: the first is applied, the rest are duplicates.
        var codes = new HttpStatusCode[2_000];
        var started = DateTimeOffset.UtcNow;
        await Parallel.ForEachAsync(Enumerable.Range(0, codes.Length), new ParallelOptions { MaxDegreeOfParallelism = 4 },
            async (i, _) => codes[i] = (await h.DeliverAsync(cb)).StatusCode);
        var took = DateTimeOffset.UtcNow - started;

        var summary = string.Join(", ", codes.GroupBy(c => c).Select(g => $"{g.Key}: {g.Count()}"));
        BillingCycle.TestSupport.Figures.Note($"2,000 signed callbacks from one address (limit 120/min) in {took.TotalSeconds:0.0} s: {summary}");
        Assert.True(took < TimeSpan.FromMinutes(1), $"took {took} (the bucket is a minute long): {summary}");
        Assert.DoesNotContain(HttpStatusCode.TooManyRequests, codes);
        Assert.True(codes.Count(c => c == HttpStatusCode.OK) == codes.Length, summary);
        Assert.Equal("paid", await h.Db.ScalarAsync<string>("SELECT status FROM invoices WHERE subscription_id = $1", sub));

        // Unsigned callbacks from the same address still have their bucket, untouched by the signed ones.
        Assert.Equal(HttpStatusCode.Unauthorized, (await h.DeliverAsync(cb, withSignature: false)).StatusCode);
    }

    [Fact]
    public async Task A_thousand_pay_page_requests_from_one_address_leave_the_webhook_answering_normally()
    {
        await using var h = await BillingHarness.StartAsync(Default);
        var (sub, _) = await h.DueSubscriptionAsync();
        await h.RenewAsync();
        var client = h.Api.CreateClient();

        var pages = new List<HttpStatusCode>();
        for (var i = 0; i < 1_000; i++)
        {
            using var res = await client.GetAsync(new Uri("/pay/x", UriKind.Relative));
            pages.Add(res.StatusCode);
        }
        // The pay pages' bucket is real: 120 answered (404: no such invoice), the rest refused.
        Assert.Equal(120, pages.Count(c => c == HttpStatusCode.NotFound));
        Assert.Equal(880, pages.Count(c => c == HttpStatusCode.TooManyRequests));

        var cb = h.StandIn.Act(await h.InvoiceReferenceAsync(sub), "pay");
        Assert.Equal(HttpStatusCode.Unauthorized, (await h.DeliverAsync(cb, signatureOverride: "deadbeef")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await h.DeliverAsync(cb)).StatusCode);
        Assert.Equal("paid", await h.Db.ScalarAsync<string>("SELECT status FROM invoices WHERE subscription_id = $1", sub));
    }

    [Fact]
    public async Task A_forwarded_address_from_a_sender_that_is_not_a_known_proxy_does_not_escape_the_bucket()
    {
        await using var h = await BillingHarness.StartAsync(new() { ["BILLING_RATE_LIMIT_PER_MINUTE"] = "5" });
        var client = h.Api.CreateClient();
        var codes = new List<HttpStatusCode>();
        for (var i = 0; i < 8; i++)
        {
            using var req = new HttpRequestMessage(HttpMethod.Get, "/pay/x");
            req.Headers.TryAddWithoutValidation("X-Forwarded-For", $"203.0.113.{i + 1}");
            using var res = await client.SendAsync(req);
            codes.Add(res.StatusCode);
        }
        Assert.Equal(5, codes.Count(c => c == HttpStatusCode.NotFound));
        Assert.Equal(3, codes.Count(c => c == HttpStatusCode.TooManyRequests));
    }
}
