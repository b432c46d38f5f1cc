using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace BillingCycle.Api.Infrastructure.Http;

/// <summary>Marks the endpoints guarded by BILLING_CRON_SECRET, for the OpenAPI document.</summary>
public sealed class CronSecretMetadata
{
    public static readonly CronSecretMetadata Instance = new();
}

/// <summary>Marks the events feed, guarded by its own read-only BILLING_EVENTS_SECRET.</summary>
public sealed class EventsSecretMetadata
{
    public static readonly EventsSecretMetadata Instance = new();
}

/// <summary>
/// What the OpenAPI document (and so /docs) says about authentication and request bodies.
/// Two bearer schemes: a Clerk session token for the credit endpoints, the cron secret for the
/// job endpoints; each operation names the one it needs, so Scalar sends it.
/// </summary>
public static class OpenApiDocs
{
    public const string ClerkScheme = "clerk_session";
    public const string CronScheme = "cron_secret";
    public const string EventsScheme = "events_secret";

    public static OpenApiOptions AddBearerSchemes(this OpenApiOptions o)
    {
        o.AddDocumentTransformer((doc, _, _) =>
        {
            doc.Components ??= new OpenApiComponents();
            doc.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            doc.Components.SecuritySchemes[ClerkScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                BearerFormat = "JWT",
                Description = "A Clerk session token (RS256). Locally: `bash scripts/token.sh USER [--admin]` prints one signed with run.sh's development key.",
            };
            doc.Components.SecuritySchemes[CronScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = "BILLING_CRON_SECRET (scripts/run.sh prints the local one).",
            };
            doc.Components.SecuritySchemes[EventsScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = "BILLING_EVENTS_SECRET: reads the events feed only.",
            };
            return Task.CompletedTask;
        });
        o.AddOperationTransformer((operation, context, _) =>
        {
            var metadata = context.Description.ActionDescriptor.EndpointMetadata;
            var scheme = metadata.OfType<CronSecretMetadata>().Any() ? CronScheme
                : metadata.OfType<EventsSecretMetadata>().Any() ? EventsScheme
                : metadata.OfType<IAuthorizeData>().Any() && !metadata.OfType<IAllowAnonymous>().Any() ? ClerkScheme
                : null;
            if (scheme is not null)
            {
                operation.Security ??= [];
                operation.Security.Add(new OpenApiSecurityRequirement
                {
                    [new OpenApiSecuritySchemeReference(scheme, context.Document)] = [],
                });
            }
            return Task.CompletedTask;
        });
        return o;
    }

    /// <summary>
    /// Documents a JSON request body of type T without telling routing to match on
    /// Content-Type (which .Accepts&lt;T&gt;() does): routing's 415 would come before
    /// authentication, so a caller without a token learned about media types before being
    /// told to sign in. The handlers read the body themselves and answer 415 after auth.
    /// </summary>
    /// <param name="required">false: the body may be left out (every field has a default).</param>
    public static RouteHandlerBuilder DocumentsJsonBody<T>(this RouteHandlerBuilder b, bool required = true) =>
        b.DocumentsBody<T>(required, "application/json");

    /// <summary>A request body of type T in each of the given media types (see <see cref="DocumentsJsonBody{T}"/>).</summary>
    public static RouteHandlerBuilder DocumentsBody<T>(this RouteHandlerBuilder b, bool required, params string[] mediaTypes) =>
        b.AddOpenApiOperationTransformer(async (operation, context, ct) =>
        {
            var schema = await context.GetOrCreateSchemaAsync(typeof(T), null, ct);
            OpenApiTruth.MakeNullableFieldsOptional(schema);
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = required,
                Content = mediaTypes.ToDictionary(m => m, _ => new OpenApiMediaType { Schema = schema }),
            };
        });

    /// <summary>
    /// The optional Idempotency-Key header of a signed-in POST (contract §5, §7): a repeat is answered
    /// as the first request was; the same key with another request is 409 IDEMPOTENCY_KEY_REUSED.
    /// </summary>
    public static TBuilder DocumentsIdempotencyKey<TBuilder>(this TBuilder b) where TBuilder : IEndpointConventionBuilder =>
        b.AddOpenApiOperationTransformer((operation, context, _) =>
        {
            if (string.Equals(context.Description.HttpMethod, "POST", StringComparison.OrdinalIgnoreCase))
            {
                operation.Parameters ??= [];
                operation.Parameters.Add(new OpenApiParameter
                {
                    Name = "Idempotency-Key",
                    In = ParameterLocation.Header,
                    Required = false,
                    Description = "Optional, at most 200 characters: a repeat gets the first answer; the same key with another request is 409 IDEMPOTENCY_KEY_REUSED.",
                    Schema = new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = 200 },
                });
            }
            return Task.CompletedTask;
        });
}
