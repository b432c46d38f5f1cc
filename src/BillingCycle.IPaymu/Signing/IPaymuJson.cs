using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace BillingCycle.IPaymu.Signing;

/// <summary>
/// The JSON form iPaymu expects: compact, camelCase, '/' unescaped, and no \u-escaping of
/// + &lt; &gt; &amp; ' (System.Text.Json's default encoder escapes them, which breaks the signature).
/// </summary>
public static class IPaymuJson
{
    public static readonly JsonSerializerOptions Request = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = false,
    };

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Request);
}
