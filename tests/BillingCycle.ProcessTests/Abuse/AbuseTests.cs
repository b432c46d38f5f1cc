using BillingCycle.TestSupport;

namespace BillingCycle.ProcessTests.Abuse;

/// <summary>
/// Every endpoint of the API binary (a separate process) fed a generated corpus of bad input:
/// each answer must be a 4xx with a code, never a 5xx, and the process must stay up.
/// </summary>
public sealed class AbuseTests
{
    private const int Seed = 20261201;

    [Fact]
    public async Task Every_endpoint_answers_a_generated_corpus_of_bad_input_with_4xx_and_a_code_and_stays_up()
    {
        ResilienceReport.Scenario();
        var tokens = new ClerkTokens();
        await using var world = await ProcessWorld.StartAsync();
        var api = await world.StartApiAsync(new()
        {
            ["CLERK_JWT_KEY"] = tokens.PublicKeyPem,
            ["CLERK_ISSUER"] = ClerkTokens.DefaultIssuer,
            ["CLERK_AUTHORIZED_PARTIES"] = ClerkTokens.DefaultParty,
            ["BILLING_TEST_CLOCK"] = "2026-11-01T02:00:00Z",
        });
        var client = new AbuseClient(api.BaseUrl);
        var rng = new Random(Seed);
        var admin = tokens.Admin("user_abuse_admin");

        // Credit mutations: every malformed body and every bad field, as an admin (so parsing is reached).
        foreach (var path in new[] { "/api/credits/interaction/reset", "/api/credits/scraper/add" })
        {
            foreach (var body in BadInputs.Malformed().Concat(BadInputs.BadFields(needsReference: false)))
            {
                await client.SendAsync(HttpMethod.Post, path, body, admin, body.Label);
            }
            // Random mutations of a valid body may by chance still be valid (2xx): never a 5xx.
            foreach (var body in BadInputs.Mutants(rng, """{"amount":5,"reference_id":"r-1","description":"d"}""", 150))
            {
                await client.SendAsync(HttpMethod.Post, path, body, admin, body.Label, s => s < 500);
            }
            foreach (var key in new[] { new string('k', 201), "" })
            {
                await client.SendAsync(HttpMethod.Post, path, BadBody.Json("ok", """{"amount":5}"""), admin, "idempotency key " + key.Length,
                    headers: new Dictionary<string, string> { ["Idempotency-Key"] = key });
            }
        }
        foreach (var type in new[] { "interaction", "scraper", "INTERACTION", "bogus", "%20", "..%2F..%2Fetc" })
        {
            var path = $"/api/credits/{type}/consume";
            var bodies = type is "interaction" or "scraper"
                ? BadInputs.Malformed().Concat(BadInputs.BadFields(needsReference: true))
                : [BadBody.Json("valid body, bad type", """{"amount":1,"reference_id":"x"}""")];
            foreach (var body in bodies)
            {
                await client.SendAsync(HttpMethod.Post, path, body, admin, body.Label);
            }
            if (type is "interaction" or "scraper")
            {
                // A mutant may still be a valid consume (2xx) or one beyond the balance (409): never a 5xx.
                foreach (var body in BadInputs.Mutants(rng, """{"amount":5,"reference_id":"c-1"}""", 60))
                {
                    await client.SendAsync(HttpMethod.Post, path, body, admin, body.Label, s => s < 500);
                }
            }
        }
        foreach (var query in BadInputs.BadLedgerQueries)
        {
            await client.SendAsync(HttpMethod.Get, "/api/credits/transactions?" + query, null, admin, "ledger " + query);
        }

        // The test clock: bad bodies and bad instants, with the cron secret.
        foreach (var body in BadInputs.Malformed().Concat(
            new[] { "5", "null", "\"yesterday\"", "\"2026-13-45T00:00:00Z\"", "\"2020-01-01T00:00:00Z\"", "[]", "\"\"" }
                .Select(v => BadBody.Json("now " + v, "{\"now\":" + v + "}"))))
        {
            await client.SendAsync(HttpMethod.Post, "/api/billing/test-clock", body, ApiProcess.CronSecret, body.Label);
        }

        // Clerk tokens: each forgery of the credits issue, then random bit flips of a valid admin token.
        var forged = new (string Label, string Token)[]
        {
            ("expired", tokens.Issue("u1", new() { ExpiresIn = TimeSpan.FromMinutes(-1), NotBeforeOffset = TimeSpan.FromMinutes(-10), MetadataRole = "admin" })),
            ("not yet valid", tokens.Issue("u1", new() { NotBeforeOffset = TimeSpan.FromMinutes(5), ExpiresIn = TimeSpan.FromMinutes(10), MetadataRole = "admin" })),
            ("another key", ClerkTokens.SignedByAnotherKey("u1")),
            ("alg none", ClerkTokens.Unsigned("u1")),
            ("HS256 with the public key", tokens.Hs256WithPublicKey("u1")),
            ("wrong iss", tokens.Issue("u1", new() { Issuer = "https://evil.example", MetadataRole = "admin" })),
            ("azp not allowed", tokens.Issue("u1", new() { Azp = "https://evil.example", MetadataRole = "admin" })),
            ("no azp", tokens.Issue("u1", new() { Azp = null, MetadataRole = "admin" })),
            ("no sid", tokens.Issue("u1", new() { Sid = null, MetadataRole = "admin" })),
            ("sts pending", tokens.Issue("u1", new() { Status = "pending", MetadataRole = "admin" })),
            ("empty", ""), ("garbage", "not.a.jwt"), ("two dots", ".."), ("huge", new string('a', 20_000)),
        };
        var flips = TokenFlips(rng, admin, 200);
        foreach (var (label, token) in forged.Concat(flips))
        {
            foreach (var (method, path) in new[] { (HttpMethod.Post, "/api/credits/scraper/add"), (HttpMethod.Get, "/api/credits/balance") })
            {
                var body = method == HttpMethod.Post ? BadBody.Json("ok", """{"amount":5}""") : null;
                await client.SendAsync(method, path, body, token, "token " + label, s => s == 401);
            }
        }

        // The cron secret wrong by one byte at every position, and other near misses.
        var secret = ApiProcess.CronSecret;
        var near = Enumerable.Range(0, secret.Length).Select(i => secret[..i] + (char)(secret[i] ^ 1) + secret[(i + 1)..])
            .Concat([secret[..^1], secret + "x", secret[..5] + " " + secret[5..], secret.ToUpperInvariant(), "", "Bearer", secret + secret]);
        foreach (var wrong in near)
        {
            foreach (var path in new[] { "/api/billing/renew", "/api/billing/retry" })
            {
                await client.SendAsync(HttpMethod.Post, path, null, wrong, "cron secret near miss", s => s == 401);
            }
        }
        await client.SendAsync(HttpMethod.Post, "/api/billing/renew", null, null, "basic auth", s => s == 401,
            new Dictionary<string, string> { ["Authorization"] = "Basic " + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("cron:" + secret)) });

        // Wrong methods and unknown paths.
        foreach (var (method, path) in new[]
        {
            (HttpMethod.Get, "/api/billing/renew"), (HttpMethod.Delete, "/api/billing/webhook"), (HttpMethod.Put, "/api/credits/balance"),
            (HttpMethod.Get, "/api/billing/nope"), (HttpMethod.Post, "/api/credits"), (HttpMethod.Patch, "/api/billing/retry"),
        })
        {
            await client.SendAsync(method, path, null, admin, "method/path", s => s is 401 or 404 or 405);
        }

        ResilienceReport.BadInputs(client.Tried);
        Assert.True(client.Failures.Count == 0,
            $"{client.Failures.Count} of {client.Tried} bad inputs were mishandled:\n" + string.Join('\n', client.Failures.Take(30)));
        Assert.True(await client.StillUpAsync(), "the API process stayed up");
        Assert.False(api.HasExited);
        Assert.DoesNotContain(client.ByStatus.Keys, s => s >= 500);
        Assert.True(client.Tried > 1_000, $"a corpus of {client.Tried} inputs");
        // Nothing the corpus sent moved money: the invariants still hold and no grant came from a refused request.
        await world.AssertInvariantsAsync();
    }

    /// <summary>Valid admin token with one random bit flipped (never the last character of a segment, whose spare bits may not count).</summary>
    private static IEnumerable<(string, string)> TokenFlips(Random rng, string token, int count)
    {
        var lastOfSegment = new HashSet<int> { token.Length - 1 };
        for (var i = 0; i < token.Length; i++)
        {
            if (token[i] == '.')
            {
                lastOfSegment.Add(i - 1);
            }
        }
        for (var n = 0; n < count; n++)
        {
            int at;
            char flipped;
            do
            {
                at = rng.Next(token.Length);
                flipped = (char)(token[at] ^ (1 << rng.Next(7)));
            }
            // Control characters cannot travel in a header at all; the client would refuse to send them.
            while (token[at] == '.' || lastOfSegment.Contains(at) || flipped < 0x21 || flipped == 0x7F);
            yield return ($"bit flip {n} at {at}", token[..at] + flipped + token[(at + 1)..]);
        }
    }
}
