using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using BillingCycle.IntegrationTests.Infrastructure;
using BillingCycle.TestSupport;

namespace BillingCycle.IntegrationTests.Credits;

public sealed class CreditsApiTests(DatabaseFixture fx) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    private static readonly ClerkTokens Tokens = new();
    private ApiFactory _factory = null!;

    public Task InitializeAsync()
    {
        _factory = new ApiFactory(fx.Db, Tokens);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    private HttpClient Admin(string user = "admin_1") => _factory.ClientFor(Tokens.Admin(user));

    private static async Task<JsonElement> Json(HttpResponseMessage res) => (await res.Content.ReadFromJsonAsync<JsonElement>());

    [Fact]
    public async Task Reset_sets_and_add_accumulates_and_new_balance_matches_the_database()
    {
        var c = Admin();
        var r1 = await Json(await c.PostAsJsonAsync("/api/credits/interaction/reset", new { amount = 100, user_id = "u_bal" }));
        var r2 = await Json(await c.PostAsJsonAsync("/api/credits/interaction/reset", new { amount = 30, user_id = "u_bal" }));
        var a1 = await Json(await c.PostAsJsonAsync("/api/credits/scraper/add", new { amount = 10, user_id = "u_bal", reference_id = "r-1", description = "promo" }));
        var a2 = await Json(await c.PostAsJsonAsync("/api/credits/scraper/add", new { amount = 15, user_id = "u_bal" }));

        Assert.True(r1.GetProperty("success").GetBoolean());
        Assert.Equal(100, r1.GetProperty("amount_reset").GetInt64());
        Assert.Equal(30, r2.GetProperty("new_balance").GetInt64());
        Assert.Equal("Interaction credits reset successfully", r2.GetProperty("message").GetString());
        Assert.Equal(10, a1.GetProperty("amount_added").GetInt64());
        Assert.Equal(25, a2.GetProperty("new_balance").GetInt64());
        Assert.Equal("Scraper credits added successfully", a2.GetProperty("message").GetString());
        Assert.Equal(30, await fx.Db.ScalarAsync<long>("SELECT get_credit_balance('u_bal', 'interaction')"));
        Assert.Equal(25, await fx.Db.ScalarAsync<long>("SELECT get_credit_balance('u_bal', 'scraper')"));
        Assert.Equal(a1.GetProperty("transaction_id").GetGuid(), await fx.Db.ScalarAsync<Guid>(
            "SELECT id FROM credit_transactions WHERE user_id = 'u_bal' AND reference_id = 'r-1'"));
        Assert.Equal(2, await fx.Db.ScalarAsync<long>("SELECT count(*) FROM billing_logs WHERE user_id = 'u_bal' AND event_type = 'credit_reset'"));

        var balance = await Json(await _factory.ClientFor(Tokens.Issue("u_bal")).GetAsync("/api/credits/balance"));
        Assert.Equal(("u_bal", 30L, 25L), (balance.GetProperty("user_id").GetString(), balance.GetProperty("interaction").GetInt64(), balance.GetProperty("scraper").GetInt64()));
    }

    public static TheoryData<string, string> BadBodies() => new()
    {
        { """{"amount":0}""", "INVALID_AMOUNT" },
        { """{"amount":-5}""", "INVALID_AMOUNT" },
        { """{"amount":1.5}""", "INVALID_AMOUNT" },
        { """{"amount":1e3}""", "INVALID_AMOUNT" },
        { """{"amount":"10"}""", "INVALID_AMOUNT" },
        { """{"amount":null}""", "INVALID_AMOUNT" },
        { """{}""", "INVALID_AMOUNT" },
        { """{"amount":1000000001}""", "INVALID_AMOUNT" },
        { """{"amount":99999999999999999999999}""", "INVALID_AMOUNT" },
        { """{"amount":true}""", "INVALID_AMOUNT" },
        { """{"amount":5,"reference_id":12}""", "INVALID_REQUEST" },
        { """{"amount":5,"user_id":{"a":1}}""", "INVALID_REQUEST" },
        { """{"amount":5""", "INVALID_JSON" },
        { """[1,2]""", "INVALID_JSON" },
        { "", "INVALID_JSON" },
        { "amount=5", "INVALID_JSON" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task Each_bad_amount_and_malformed_body_gives_its_code(string body, string code)
    {
        var res = await Admin().PostAsync("/api/credits/scraper/add", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, res.StatusCode);
        Assert.Equal(code, (await Json(res)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Bodies_over_64_KiB_are_413_and_other_content_types_415()
    {
        var big = "{\"amount\":5,\"description\":\"" + new string('x', 70_000) + "\"}";
        var res = await Admin().PostAsync("/api/credits/scraper/add", new StringContent(big, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, res.StatusCode);
        Assert.Equal("PAYLOAD_TOO_LARGE", (await Json(res)).GetProperty("code").GetString());

        var form = await Admin().PostAsync("/api/credits/scraper/add", new StringContent("amount=5", Encoding.UTF8, "application/x-www-form-urlencoded"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, form.StatusCode);
    }

    [Fact]
    public async Task An_idempotency_key_repeated_20_times_concurrently_applies_once()
    {
        var c = Admin("admin_idem");
        var sends = Enumerable.Range(0, 20).Select(_ =>
        {
            var req = new HttpRequestMessage(HttpMethod.Post, "/api/credits/scraper/add") { Content = JsonContent.Create(new { amount = 50, user_id = "u_idem" }) };
            req.Headers.Add("Idempotency-Key", "key-1");
            return c.SendAsync(req);
        });
        var answers = await Task.WhenAll(sends);

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.StatusCode));
        var ids = (await Task.WhenAll(answers.Select(Json))).Select(j => j.GetProperty("transaction_id").GetGuid()).Distinct().ToList();
        Assert.Single(ids);
        Assert.Equal(50, await fx.Db.ScalarAsync<long>("SELECT get_credit_balance('u_idem', 'scraper')"));
        Assert.Equal(1, await fx.Db.ScalarAsync<long>("SELECT count(*) FROM credit_transactions WHERE user_id = 'u_idem'"));

        var reuse = new HttpRequestMessage(HttpMethod.Post, "/api/credits/scraper/add") { Content = JsonContent.Create(new { amount = 51, user_id = "u_idem" }) };
        reuse.Headers.Add("Idempotency-Key", "key-1");
        var conflict = await c.SendAsync(reuse);
        Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
        Assert.Equal("IDEMPOTENCY_KEY_REUSED", (await Json(conflict)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Fifty_concurrent_consumes_against_a_balance_of_ten_succeed_exactly_ten_times()
    {
        await Admin().PostAsJsonAsync("/api/credits/interaction/reset", new { amount = 10, user_id = "u_spend" });
        var c = _factory.ClientFor(Tokens.Issue("u_spend"));
        var answers = await Task.WhenAll(Enumerable.Range(0, 50).Select(i =>
            c.PostAsJsonAsync("/api/credits/interaction/consume", new { amount = 1, reference_id = $"msg-{i}" })));

        Assert.Equal(10, answers.Count(a => a.StatusCode == HttpStatusCode.OK));
        Assert.Equal(40, answers.Count(a => a.StatusCode == HttpStatusCode.Conflict));
        foreach (var refused in answers.Where(a => a.StatusCode == HttpStatusCode.Conflict))
        {
            Assert.Equal("INSUFFICIENT_CREDITS", (await Json(refused)).GetProperty("code").GetString());
        }
        Assert.Equal(0, await fx.Db.ScalarAsync<long>("SELECT get_credit_balance('u_spend', 'interaction')"));
        Assert.Equal(0, await fx.Db.ScalarAsync<long>("SELECT sum(amount) FROM credit_transactions WHERE user_id = 'u_spend' AND credit_type = 'interaction'"));
        Assert.Equal(0, await fx.Db.ScalarAsync<long>("SELECT count(*) FROM credit_transactions WHERE balance_after < 0"));
    }

    [Fact]
    public async Task A_repeated_consume_reference_is_answered_once()
    {
        await Admin().PostAsJsonAsync("/api/credits/scraper/add", new { amount = 10, user_id = "u_rep" });
        var c = _factory.ClientFor(Tokens.Issue("u_rep"));
        var first = await Json(await c.PostAsJsonAsync("/api/credits/scraper/consume", new { amount = 4, reference_id = "job-1" }));
        var again = await Json(await c.PostAsJsonAsync("/api/credits/scraper/consume", new { amount = 4, reference_id = "job-1" }));
        Assert.Equal(first.GetProperty("transaction_id").GetGuid(), again.GetProperty("transaction_id").GetGuid());
        Assert.Equal(6, again.GetProperty("new_balance").GetInt64());
        Assert.Equal(6, await fx.Db.ScalarAsync<long>("SELECT get_credit_balance('u_rep', 'scraper')"));

        var missingRef = await c.PostAsJsonAsync("/api/credits/scraper/consume", new { amount = 1 });
        Assert.Equal("INVALID_REQUEST", (await Json(missingRef)).GetProperty("code").GetString());
        var unknownType = await c.PostAsJsonAsync("/api/credits/gold/consume", new { amount = 1, reference_id = "x" });
        Assert.Equal(HttpStatusCode.BadRequest, unknownType.StatusCode);
        Assert.Equal("INVALID_REQUEST", (await Json(unknownType)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task The_ledger_is_the_callers_own_newest_first_and_pages_with_a_cursor()
    {
        var admin = Admin();
        for (var i = 1; i <= 5; i++)
        {
            _factory.Clock.Advance(TimeSpan.FromMinutes(1));
            await admin.PostAsJsonAsync("/api/credits/scraper/add", new { amount = i, user_id = "u_ledger" });
        }
        await admin.PostAsJsonAsync("/api/credits/scraper/add", new { amount = 99, user_id = "u_someone_else" });
        var c = _factory.ClientFor(Tokens.Issue("u_ledger"));

        var page1 = await Json(await c.GetAsync("/api/credits/transactions?limit=2"));
        var amounts = page1.GetProperty("transactions").EnumerateArray().Select(t => t.GetProperty("amount").GetInt64()).ToList();
        Assert.Equal([5L, 4L], amounts);
        var cursor = page1.GetProperty("next_cursor").GetString();
        var page2 = await Json(await c.GetAsync($"/api/credits/transactions?limit=2&before={cursor}&credit_type=scraper"));
        Assert.Equal([3L, 2L], page2.GetProperty("transactions").EnumerateArray().Select(t => t.GetProperty("amount").GetInt64()).ToList());

        foreach (var bad in new[] { "limit=0", "limit=101", "limit=abc", "credit_type=gold", "before=zzz" })
        {
            var res = await c.GetAsync($"/api/credits/transactions?{bad}");
            Assert.Equal(HttpStatusCode.BadRequest, res.StatusCode);
            Assert.Equal("INVALID_REQUEST", (await Json(res)).GetProperty("code").GetString());
        }
    }
}
