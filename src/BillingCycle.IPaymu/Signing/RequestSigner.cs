using System.Security.Cryptography;
using System.Text;

namespace BillingCycle.IPaymu.Signing;

/// <summary>
/// iPaymu API v2 request signing:
///   bodyHash     = hex(SHA-256(body))
///   stringToSign = METHOD:va:bodyHash:apiKey
///   signature    = hex(HMAC-SHA256(key = apiKey, stringToSign))
/// The body must be the exact string sent. A body-less GET hashes "{}".
/// </summary>
public static class RequestSigner
{
    private static readonly TimeSpan Jakarta = TimeSpan.FromHours(7); // WIB has no daylight saving

    public static string BodyHash(string body) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(body)));

    public static string StringToSign(string method, string va, string body, string apiKey) =>
        $"{method.ToUpperInvariant()}:{va}:{BodyHash(body)}:{apiKey}";

    public static string Sign(string method, string va, string body, string apiKey) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(
            Encoding.UTF8.GetBytes(apiKey), Encoding.UTF8.GetBytes(StringToSign(method, va, body, apiKey))));

    /// <summary>yyyyMMddHHmmss in Asia/Jakarta time, as iPaymu's own SDKs send it.</summary>
    public static string Timestamp(DateTimeOffset now) =>
        now.ToOffset(Jakarta).ToString("yyyyMMddHHmmss", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Constant-time comparison of two hex signatures (case-insensitive).</summary>
    public static bool HexEquals(string? expectedHex, string? actualHex)
    {
        if (expectedHex is null || actualHex is null)
        {
            return false;
        }
        var a = Encoding.ASCII.GetBytes(expectedHex.Trim().ToLowerInvariant());
        var b = Encoding.ASCII.GetBytes(actualHex.Trim().ToLowerInvariant());
        return CryptographicOperations.FixedTimeEquals(a, b);
    }
}
