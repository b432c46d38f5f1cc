using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace BillingCycle.Api.Infrastructure.Http;

/// <summary>
/// Makes the OpenAPI document say what the service really sends and takes, because the web app's
/// types are generated from it (clients/typescript): a document that generates wrong types is a
/// bug in the contract (docs/contract.md §15.2).
/// </summary>
public static class OpenApiTruth
{
    /// <summary>
    /// Whole numbers are numbers. ASP.NET Core's web JSON defaults also read "42" as 42, so the
    /// generated schema says <c>["integer", "string"]</c> with a digits pattern, and a client
    /// generated from it would have to handle amounts that arrive as strings — which the service
    /// never sends. The document describes the form a client should use: a JSON integer.
    /// </summary>
    public static OpenApiOptions DescribesIntegersAsNumbers(this OpenApiOptions o)
    {
        o.AddSchemaTransformer((schema, _, _) =>
        {
            if (schema.Type is { } t && t.HasFlag(JsonSchemaType.Integer) && t.HasFlag(JsonSchemaType.String))
            {
                schema.Type = t & ~JsonSchemaType.String;
                schema.Pattern = null;
            }
            if (schema.Properties is { } properties && properties.ContainsKey("line_items"))
            {
                properties["line_items"] = InvoiceLines.Schema();
            }
            return Task.CompletedTask;
        });
        return o;
    }

    /// <summary>
    /// In a request body a nullable field may be left out: the handlers read their own bodies and
    /// treat an absent field as null. The schema generator marks every constructor parameter
    /// required, which would make a client send <c>"user_id": null</c> on every call; for request
    /// bodies only, a nullable field is optional.
    /// </summary>
    public static void MakeNullableFieldsOptional(IOpenApiSchema schema)
    {
        if (schema is not OpenApiSchema s || s.Properties is null || s.Required is null)
        {
            return;
        }
        foreach (var (name, property) in s.Properties)
        {
            if (property.Type is { } t && t.HasFlag(JsonSchemaType.Null))
            {
                s.Required.Remove(name);
            }
        }
    }
}
