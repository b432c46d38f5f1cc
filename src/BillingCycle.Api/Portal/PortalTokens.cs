using System.Security.Cryptography;

namespace BillingCycle.Api.Portal;

/// <summary>
/// Link and session tokens: 256 random bits, base64url; the database keeps only their SHA-256, so
/// a copy of portal_links or portal_sessions opens nothing. A lookup by hash is a primary-key
/// equality on a digest, which reveals nothing useful about the token by its timing.
/// </summary>
public static class PortalTokens
{
    public static string New() => Base64Url(RandomNumberGenerator.GetBytes(32));

    public static byte[] Hash(string token) => SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(token));

    /// <summary>Only what New() makes: 43 base64url characters. Anything else is never looked up.</summary>
    public static bool LooksValid(string? token) =>
        token is { Length: 43 } && token.All(ch => char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_');

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
