using System.Text.Json;
using System.Text.Json.Serialization;

namespace BillingCycle.IPaymu.Signing;

/// <summary>
/// Request bodies exactly as iPaymu's PHP library writes them, <c>json_encode($data,
/// JSON_UNESCAPED_SLASHES)</c> (ipaymu-php-api, iPaymu/Traits/CurlTrait.php): compact, camelCase,
/// '/' and + &lt; &gt; &amp; ' raw, every non-ASCII character as a lowercase \uXXXX escape. iPaymu
/// most likely re-encodes a body before it hashes it, so only a body already in PHP's form keeps
/// its signature whatever iPaymu does: a buyer named "José" or a product with "–" is safe.
/// </summary>
public static class IPaymuJson
{
    public static readonly JsonSerializerOptions Request = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = false,
    };

    public static string Serialize<T>(T value) =>
        PhpJson.Encode(JsonSerializer.SerializeToElement(value, Request), PhpJsonFlags.UnescapedSlashes);
}
