using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BillingCycle.Api.Infrastructure.Http;

/// <summary>
/// Reads a small JSON request body by hand, so every client mistake gets its own code instead of
/// the framework's generic 400: too large (413), not JSON (415), malformed (INVALID_JSON).
/// </summary>
public static class JsonBody
{
    public const int MaxBytes = BoundedBody.MaxBytes;

    public sealed record Read(JsonDocument? Document, JsonHttpResult<ApiError>? Error);

    public static async Task<Read> ReadObjectAsync(HttpRequest request, CancellationToken ct)
    {
        if (request.ContentLength > MaxBytes)
        {
            return new Read(null, TooLarge());
        }
        var type = request.ContentType;
        if (!string.IsNullOrEmpty(type) && !type.Contains("json", StringComparison.OrdinalIgnoreCase))
        {
            return new Read(null, Fail.With(415, "Content-Type must be application/json", ErrorCodes.UnsupportedMediaType));
        }

        if (await BoundedBody.ReadAsync(request, ct) is not { } bytes)
        {
            return new Read(null, TooLarge());
        }
        if (bytes.Length == 0)
        {
            return new Read(null, Fail.With(400, "A JSON body is required", ErrorCodes.InvalidJson));
        }

        // System.Text.Json does not check the UTF-8 of property names it is never asked for, and
        // throws a non-JSON exception on bad UTF-8 inside strings: check the whole body first.
        if (!System.Text.Unicode.Utf8.IsValid(bytes))
        {
            return new Read(null, Fail.With(400, "The body is not valid UTF-8", ErrorCodes.InvalidJson));
        }
        try
        {
            var doc = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 32, AllowDuplicateProperties = false });
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                doc.Dispose();
                return new Read(null, Fail.With(400, "The body must be a JSON object", ErrorCodes.InvalidJson));
            }
            if (!AllTextDecodes(doc.RootElement))
            {
                doc.Dispose();
                return new Read(null, Fail.With(400, "The body holds a string escape that is not valid UTF-16", ErrorCodes.InvalidJson));
            }
            return new Read(doc, null);
        }
        catch (JsonException)
        {
            return new Read(null, Fail.With(400, "Malformed JSON body", ErrorCodes.InvalidJson));
        }
        catch (InvalidOperationException)
        {
            // The duplicate-key check decodes names while parsing and throws this on a lone \ud800.
            return new Read(null, Fail.With(400, "Malformed JSON body", ErrorCodes.InvalidJson));
        }
    }

    /// <summary>
    /// Escapes such as a lone \ud800 parse as JSON but throw when a name or string is read:
    /// walk the (at most 64 KiB) document once so handlers never meet one.
    /// </summary>
    private static bool AllTextDecodes(JsonElement e)
    {
        try
        {
            switch (e.ValueKind)
            {
                case JsonValueKind.Object:
                    foreach (var p in e.EnumerateObject())
                    {
                        _ = p.Name;
                        if (!AllTextDecodes(p.Value))
                        {
                            return false;
                        }
                    }
                    return true;
                case JsonValueKind.Array:
                    foreach (var item in e.EnumerateArray())
                    {
                        if (!AllTextDecodes(item))
                        {
                            return false;
                        }
                    }
                    return true;
                case JsonValueKind.String:
                    _ = e.GetString();
                    return true;
                default:
                    return true;
            }
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static JsonHttpResult<ApiError> TooLarge() =>
        Fail.With(413, "Request body too large (64 KiB at most)", ErrorCodes.PayloadTooLarge);

    /// <summary>An optional string property; Error when present but not a string or too long.</summary>
    public static (string? Value, bool Ok) OptionalString(JsonElement obj, string name, int maxLength)
    {
        if (!obj.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return (null, true);
        }
        if (v.ValueKind != JsonValueKind.String)
        {
            return (null, false);
        }
        string s;
        try
        {
            s = v.GetString()!;
        }
        catch (InvalidOperationException)
        {
            return (null, false); // an escape that is not valid UTF-16, e.g. a lone \ud800
        }
        // PostgreSQL text cannot hold NUL: refuse it here rather than fail in the database.
        return s.Length > maxLength || s.Contains('\0', StringComparison.Ordinal) ? (null, false) : (s.Length == 0 ? null : s, true);
    }
}
