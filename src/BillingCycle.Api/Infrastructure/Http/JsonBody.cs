using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BillingCycle.Api.Infrastructure.Http;

/// <summary>
/// Reads a small JSON request body by hand, so every client mistake gets its own code instead of
/// the framework's generic 400: too large (413), not JSON (415), malformed (INVALID_JSON).
/// </summary>
public static class JsonBody
{
    public const int MaxBytes = 64 * 1024;

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

        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int n;
        while ((n = await request.Body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + n > MaxBytes)
            {
                return new Read(null, TooLarge());
            }
            buffer.Write(chunk, 0, n);
        }
        if (buffer.Length == 0)
        {
            return new Read(null, Fail.With(400, "A JSON body is required", ErrorCodes.InvalidJson));
        }

        try
        {
            var doc = JsonDocument.Parse(buffer.ToArray(), new JsonDocumentOptions { MaxDepth = 32, AllowDuplicateProperties = false });
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                doc.Dispose();
                return new Read(null, Fail.With(400, "The body must be a JSON object", ErrorCodes.InvalidJson));
            }
            return new Read(doc, null);
        }
        catch (JsonException)
        {
            return new Read(null, Fail.With(400, "Malformed JSON body", ErrorCodes.InvalidJson));
        }
        catch (ArgumentException)
        {
            // Invalid UTF-8 surfaces here on some inputs.
            return new Read(null, Fail.With(400, "Malformed JSON body", ErrorCodes.InvalidJson));
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
        var s = v.GetString()!;
        return s.Length > maxLength ? (null, false) : (s.Length == 0 ? null : s, true);
    }
}
