using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using BillingCycle.IntegrationTests.Infrastructure;
using BillingCycle.TestSupport;

namespace BillingCycle.IntegrationTests.LocalDevelopment;

/// <summary>A caller without credentials is told to authenticate before anything about its body.</summary>
public sealed class AuthFirstTests(DatabaseFixture fx) : IClassFixture<DatabaseFixture>, IAsyncLifetime
{
    private static readonly ClerkTokens Tokens = new();
    private ApiFactory _app = null!;

    public Task InitializeAsync()
    {
        _app = new ApiFactory(fx.Db, Tokens);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    public static TheoryData<string, string?> Posts() => new()
    {
        { "/api/credits/scraper/add", null },
        { "/api/credits/interaction/reset", null },
        { "/api/credits/interaction/consume", null },
        { "/api/credits/scraper/add", "text/plain" },
        { "/api/billing/test-clock", null },
        { "/api/billing/test-clock", "application/xml" },
        { "/api/billing/renew", "text/plain" },
    };

    [Theory]
    [MemberData(nameof(Posts))]
    public async Task A_POST_without_credentials_is_401_whatever_its_Content_Type(string path, string? contentType)
    {
        using var body = new ByteArrayContent(Encoding.UTF8.GetBytes("amount=5"));
        if (contentType is not null)
        {
            body.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        }
        var res = await _app.CreateClient().PostAsync(path, body);

        Assert.Equal(HttpStatusCode.Unauthorized, res.StatusCode);
        Assert.Equal("UNAUTHORIZED", (await res.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Once_signed_in_a_body_that_is_not_JSON_is_still_415()
    {
        using var body = new StringContent("amount=5", Encoding.UTF8, "text/plain");
        var res = await _app.ClientFor(Tokens.Admin("admin_1")).PostAsync("/api/credits/scraper/add", body);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, res.StatusCode);
        Assert.Equal("UNSUPPORTED_MEDIA_TYPE", (await res.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
    }

    [Fact]
    public async Task The_test_clock_GET_is_404_when_the_test_clock_is_off()
    {
        var res = await _app.Cron().GetAsync("/api/billing/test-clock");

        Assert.Equal(HttpStatusCode.NotFound, res.StatusCode);
        Assert.Equal("NOT_FOUND", (await res.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, (await _app.CreateClient().GetAsync("/api/billing/test-clock")).StatusCode);
    }

    [Fact]
    public async Task The_test_clock_GET_answers_the_frozen_time_when_it_is_on()
    {
        await using var clocked = new ApiFactory(fx.Db, Tokens, new Dictionary<string, string?> { ["BILLING_TEST_CLOCK"] = "2026-11-01T02:00:00Z" })
        { UseFakeClock = false };
        var now = await clocked.Cron().GetFromJsonAsync<JsonElement>("/api/billing/test-clock");

        Assert.Equal(new DateTimeOffset(2026, 11, 1, 2, 0, 0, TimeSpan.Zero), now.GetProperty("now").GetDateTimeOffset());
    }

    [Fact]
    public async Task The_OpenAPI_document_declares_both_bearer_schemes_and_which_operation_needs_which()
    {
        var doc = await _app.CreateClient().GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var schemes = doc.GetProperty("components").GetProperty("securitySchemes");
        Assert.Equal("bearer", schemes.GetProperty("clerk_session").GetProperty("scheme").GetString());
        Assert.Equal("JWT", schemes.GetProperty("clerk_session").GetProperty("bearerFormat").GetString());
        Assert.Equal("bearer", schemes.GetProperty("cron_secret").GetProperty("scheme").GetString());

        string? Scheme(string path, string method) =>
            doc.GetProperty("paths").GetProperty(path).GetProperty(method).TryGetProperty("security", out var s)
                ? s[0].EnumerateObject().Single().Name
                : null;
        Assert.Equal("clerk_session", Scheme("/api/credits/balance", "get"));
        Assert.Equal("clerk_session", Scheme("/api/credits/scraper/add", "post"));
        Assert.Equal("cron_secret", Scheme("/api/billing/renew", "post"));
        Assert.Equal("cron_secret", Scheme("/api/billing/test-clock", "get"));
        Assert.Null(Scheme("/api/billing/webhook", "post"));
        Assert.Null(Scheme("/api/billing/health", "get"));

        // The request bodies are still documented (without making routing match on Content-Type).
        var body = doc.GetProperty("paths").GetProperty("/api/credits/scraper/add").GetProperty("post")
            .GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema");
        var schema = body.TryGetProperty("$ref", out var reference)
            ? doc.GetProperty("components").GetProperty("schemas").GetProperty(reference.GetString()!.Split('/')[^1])
            : body;
        Assert.True(schema.GetProperty("properties").TryGetProperty("amount", out _), body.ToString());
        Assert.Equal(["amount"], schema.GetProperty("required").EnumerateArray().Select(r => r.GetString()));
    }
}
