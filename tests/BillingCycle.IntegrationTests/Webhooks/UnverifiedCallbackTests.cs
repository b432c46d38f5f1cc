using System.Net;
using System.Text.Json;
using BillingCycle.IntegrationTests.Infrastructure;

namespace BillingCycle.IntegrationTests.Webhooks;

/// <summary>contract §10.4: what anyone can post without a valid signature is bounded.</summary>
public sealed class UnverifiedCallbackTests
{
    [Fact]
    public async Task An_unsigned_or_badly_signed_callback_is_stored_as_a_1_KiB_excerpt_with_the_hash_of_the_whole_body()
    {
        await using var h = await BillingHarness.StartAsync();
        var (sub, _) = await h.DueSubscriptionAsync();
        await h.RenewAsync();
        var cb = h.StandIn.Act(await h.InvoiceReferenceAsync(sub), "pay");
        var padded = cb with { Body = cb.Body + "&filler=" + new string('x', 50_000) };

        Assert.Equal(HttpStatusCode.Unauthorized, (await h.DeliverAsync(padded, withSignature: false)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await h.DeliverAsync(padded, signatureOverride: "deadbeef")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await h.DeliverAsync(cb)).StatusCode);

        var stored = await h.Db.ListAsync<string>("SELECT payload::text FROM webhook_events ORDER BY received_at, outcome");
        Assert.Equal(3, stored.Count);
        var expectedHash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(padded.Body)));
        foreach (var outcome in new[] { "missing_signature", "invalid_signature" })
        {
            var payload = JsonDocument.Parse(await h.Db.ScalarAsync<string>("SELECT payload::text FROM webhook_events WHERE outcome = $1", outcome)).RootElement;
            Assert.True(System.Text.Encoding.UTF8.GetByteCount(payload.GetProperty("excerpt").GetString()!) <= 1024);
            Assert.Equal(expectedHash, payload.GetProperty("sha256").GetString());
            Assert.Equal(padded.Body.Length, payload.GetProperty("bytes").GetInt32());
            Assert.True(payload.GetProperty("truncated").GetBoolean());
        }
        // The verified callback is kept whole, field by field.
        var verified = JsonDocument.Parse(await h.Db.ScalarAsync<string>("SELECT payload::text FROM webhook_events WHERE signature_valid")).RootElement;
        Assert.False(verified.TryGetProperty("excerpt", out _));
        Assert.Equal("paid", await h.Db.ScalarAsync<string>("SELECT status FROM invoices WHERE subscription_id = $1", sub));
    }

    [Fact]
    public async Task Callbacks_over_the_per_address_limit_are_answered_429_with_a_code_and_not_stored()
    {
        await using var h = await BillingHarness.StartAsync(new() { ["BILLING_RATE_LIMIT_PER_MINUTE"] = "5" });
        var (sub, _) = await h.DueSubscriptionAsync();
        await h.RenewAsync();
        var cb = h.StandIn.Act(await h.InvoiceReferenceAsync(sub), "pay");

        var answers = new List<HttpResponseMessage>();
        for (var i = 0; i < 8; i++)
        {
            answers.Add(await h.DeliverAsync(cb, withSignature: false));
        }

        Assert.Equal(5, answers.Count(a => a.StatusCode == HttpStatusCode.Unauthorized));
        var limited = answers.Where(a => a.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.Equal(3, limited.Count);
        Assert.Contains("\"code\":\"RATE_LIMITED\"", await limited[0].Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(5, await h.Db.ScalarAsync<long>("SELECT count(*) FROM webhook_events"));
    }
}
