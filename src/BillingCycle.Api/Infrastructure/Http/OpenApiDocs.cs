using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace BillingCycle.Api.Infrastructure.Http;

/// <summary>Marks the endpoints guarded by BILLING_CRON_SECRET, for the OpenAPI document.</summary>
public sealed class CronSecretMetadata
{
    public static readonly CronSecretMetadata Instance = new();
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
            return Task.CompletedTask;
        });
        o.AddOperationTransformer((operation, context, _) =>
        {
            var metadata = context.Description.ActionDescriptor.EndpointMetadata;
            var scheme = metadata.OfType<CronSecretMetadata>().Any() ? CronScheme
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
    public static RouteHandlerBuilder DocumentsJsonBody<T>(this RouteHandlerBuilder b) =>
        b.AddOpenApiOperationTransformer(async (operation, context, ct) =>
        {
            var schema = await context.GetOrCreateSchemaAsync(typeof(T), null, ct);
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    ["application/json"] = new OpenApiMediaType { Schema = schema },
                },
            };
        });
}
