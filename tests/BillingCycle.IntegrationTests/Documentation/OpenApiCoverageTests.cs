using System.Text.Json;
using BillingCycle.Api.Infrastructure.Http;
using BillingCycle.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using static BillingCycle.IntegrationTests.Documentation.ApiContract;

namespace BillingCycle.IntegrationTests.Documentation;

/// <summary>
/// /openapi/v1.json (and so /docs) covers every endpoint the app maps under /api: its operation id
/// and summary, its security scheme, its request body and schema, its success answer and schema,
/// every error answer as {error, code}, and the Idempotency-Key header where a POST takes one.
/// </summary>
public sealed class OpenApiCoverageTests : IAsyncLifetime
{
    private BillingHarness _h = null!;
    private JsonDocument _doc = null!;

    public async Task InitializeAsync()
    {
        _h = await BillingHarness.StartAsync();
        _doc = JsonDocument.Parse(await _h.Api.CreateClient().GetStringAsync("/openapi/v1.json"));
    }

    public async Task DisposeAsync()
    {
        _doc.Dispose();
        await _h.DisposeAsync();
    }

    private JsonElement Root => _doc.RootElement;

    /// <summary>Every (method, route) the app maps under /api, with its endpoint.</summary>
    private Dictionary<string, RouteEndpoint> Mapped() =>
        _h.Api.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText!.StartsWith("/api/", StringComparison.Ordinal))
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["ANY"])
                .Select(m => (Key: $"{m} {e.RoutePattern.RawText!.TrimEnd('/')}", Endpoint: e)))
            .ToDictionary(x => x.Key, x => x.Endpoint);

    [Fact]
    public void The_contract_table_names_exactly_the_endpoints_the_app_maps()
    {
        var mapped = Mapped().Keys.Order(StringComparer.Ordinal).ToList();
        Assert.Equal(All.Select(o => o.Key).Order(StringComparer.Ordinal), mapped);
    }

    [Fact]
    public void Each_endpoint_s_authentication_in_its_metadata_is_the_one_the_table_says()
    {
        var mapped = Mapped();
        foreach (var op in All)
        {
            var m = mapped[op.Key].Metadata;
            var actual = m.GetMetadata<CronSecretMetadata>() is not null ? Auth.Cron
                : m.GetMetadata<EventsSecretMetadata>() is not null ? Auth.Events
                : m.GetOrderedMetadata<IAuthorizeData>().Any() && m.GetMetadata<IAllowAnonymous>() is null ? Auth.Clerk
                : Auth.None;
            Assert.True(op.Auth == actual, $"{op.Key}: {actual} in metadata, {op.Auth} in the contract");
        }
    }

    [Fact]
    public void The_document_keeps_both_bearer_schemes()
    {
        var schemes = Root.GetProperty("components").GetProperty("securitySchemes");
        foreach (var name in new[] { OpenApiDocs.ClerkScheme, OpenApiDocs.CronScheme, OpenApiDocs.EventsScheme })
        {
            Assert.Equal("http", schemes.GetProperty(name).GetProperty("type").GetString());
            Assert.Equal("bearer", schemes.GetProperty(name).GetProperty("scheme").GetString());
        }
    }

    [Fact]
    public void Every_operation_has_a_unique_id_a_summary_and_its_security_scheme()
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var op in All)
        {
            var o = Operation(op);
            Assert.True(o.TryGetProperty("operationId", out var id) && ids.Add(id.GetString()!), $"{op.Key}: no operationId, or a repeated one");
            Assert.False(string.IsNullOrWhiteSpace(o.GetProperty("summary").GetString()), $"{op.Key}: no summary");
            var schemes = o.TryGetProperty("security", out var sec) ? sec.EnumerateArray().SelectMany(r => r.EnumerateObject().Select(p => p.Name)).ToList() : [];
            var expected = op.Auth switch { Auth.Clerk => [OpenApiDocs.ClerkScheme], Auth.Cron => [OpenApiDocs.CronScheme], Auth.Events => [OpenApiDocs.EventsScheme], _ => new List<string>() };
            Assert.True(expected.SequenceEqual(schemes), $"{op.Key}: security [{string.Join(", ", schemes)}]");
        }
    }

    [Fact]
    public void Every_request_body_is_documented_with_its_media_types_and_a_schema_with_properties()
    {
        foreach (var op in All)
        {
            var o = Operation(op);
            if (op.Body is null)
            {
                Assert.False(o.TryGetProperty("requestBody", out _), $"{op.Key}: documents a body it does not take");
                continue;
            }
            Assert.True(o.TryGetProperty("requestBody", out var body), $"{op.Key}: no request body");
            Assert.Equal(op.BodyRequired, body.TryGetProperty("required", out var r) && r.GetBoolean());
            var content = body.GetProperty("content");
            Assert.Equal(op.Body, content.EnumerateObject().Select(p => p.Name));
            foreach (var media in content.EnumerateObject())
            {
                Assert.True(Resolve(media.Value.GetProperty("schema")).TryGetProperty("properties", out var props) && props.EnumerateObject().Any(),
                    $"{op.Key}: {media.Name} schema has no properties");
            }
        }
    }

    [Fact]
    public void Every_answer_is_documented_success_with_its_schema_and_each_error_as_an_ApiError()
    {
        foreach (var op in All)
        {
            var responses = Operation(op).GetProperty("responses");
            var statuses = responses.EnumerateObject().Select(p => int.Parse(p.Name, System.Globalization.CultureInfo.InvariantCulture)).Order().ToList();
            Assert.True(new[] { op.Success }.Concat(op.Errors).Concat(op.SameShapeAnswers ?? []).Order().SequenceEqual(statuses),
                $"{op.Key}: answers {string.Join(",", statuses)} documented");

            var success = Schema(responses, op.Success, op.Answer, op.Key);
            if (op.Answer == "application/json")
            {
                Assert.True(success.TryGetProperty("properties", out _), $"{op.Key}: success schema has no properties");
            }
            foreach (var other in op.SameShapeAnswers ?? [])
            {
                Assert.Equal(success.GetRawText(), Schema(responses, other, op.Answer, op.Key).GetRawText());
            }
            foreach (var error in op.Errors)
            {
                var e = Schema(responses, error, "application/json", op.Key);
                Assert.True(e.GetProperty("properties").TryGetProperty("error", out _) && e.GetProperty("properties").TryGetProperty("code", out _),
                    $"{op.Key}: {error} is not {{error, code}}");
            }
        }
    }

    [Fact]
    public void Posts_that_take_an_Idempotency_Key_document_the_header()
    {
        foreach (var op in All)
        {
            var o = Operation(op);
            var has = o.TryGetProperty("parameters", out var ps)
                && ps.EnumerateArray().Any(p => p.GetProperty("name").GetString() == "Idempotency-Key" && p.GetProperty("in").GetString() == "header");
            Assert.True(op.IdempotencyKey == has, $"{op.Key}: Idempotency-Key header documented: {has}");
        }
    }

    private JsonElement Operation(Op op)
    {
        Assert.True(Root.GetProperty("paths").TryGetProperty(op.Path, out var path), $"{op.Path} is not in the document");
        Assert.True(path.TryGetProperty(op.Method.ToLowerInvariant(), out var o), $"{op.Key} is not in the document");
        return o;
    }

    private JsonElement Schema(JsonElement responses, int status, string media, string key)
    {
        Assert.True(responses.TryGetProperty(status.ToString(System.Globalization.CultureInfo.InvariantCulture), out var r), $"{key}: no {status} answer");
        var m = default(JsonElement);
        Assert.True(r.TryGetProperty("content", out var c) && c.TryGetProperty(media, out m), $"{key}: {status} is not {media}");
        return Resolve(m.GetProperty("schema"));
    }

    private JsonElement Resolve(JsonElement schema) =>
        schema.TryGetProperty("$ref", out var r)
            ? Root.GetProperty("components").GetProperty("schemas").GetProperty(r.GetString()!["#/components/schemas/".Length..])
            : schema;
}
