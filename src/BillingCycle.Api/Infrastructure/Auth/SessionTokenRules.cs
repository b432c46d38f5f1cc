using System.Text.Json;

namespace BillingCycle.Api.Infrastructure.Auth;

/// <summary>
/// The checks Clerk's own backend SDK makes on a session token beyond its signature, reproduced
/// from clerk/javascript (packages/backend):
/// <list type="bullet">
/// <item><c>jwt/assertions.ts</c> <c>assertHeaderType</c>: header <c>typ</c> absent or exactly
/// <c>"JWT"</c> (so an OAuth access token, <c>at+jwt</c>, signed by the same instance key, is refused).</item>
/// <item><c>tokens/jwtCategories.ts</c>: Clerk tags each class of JWT it signs with one key in the
/// protected <b>header</b> claim <c>cat</c>: session <c>cl_B7d4PD111AAA</c>, JWT template
/// <c>cl_B7d4PD222AAA</c>, M2M <c>cl_B7d4PD333AAA</c>, and <c>cl_I7d4PD111III</c> ("ignore", stamped
/// on every class by instances that opt out). <c>isNonSessionJwtCategory</c> accepts an absent
/// <c>cat</c> (tokens minted before the rollout), the session value and the ignore value, and
/// <c>request.ts</c> signs out a bearer token with any other. A template token has no <c>sid</c> and
/// outlives the session that minted it. We apply the same rule to a <c>cat</c> in the payload too.</item>
/// <item><c>assertSubClaim</c>: <c>sub</c> must be a string.</item>
/// <item><c>assertExpirationClaim</c> (required), <c>assertActivationClaim</c>,
/// <c>assertIssuedAtClaim</c>: <c>exp</c>/<c>nbf</c>/<c>iat</c> must be JSON numbers when present,
/// and <c>iat</c> may not be in the future beyond the skew (5 s, <c>DEFAULT_CLOCK_SKEW_IN_MS</c>).</item>
/// <item><c>assertAuthorizedPartiesClaim</c>: with parties configured, <c>azp</c> must be one of them.</item>
/// </list>
/// And from this service's own rules: a session id (<c>sid</c>) must be present and the session
/// not pending (<c>sts</c>). Pure: the caller passes the decoded header and payload and the time.
/// </summary>
public static class SessionTokenRules
{
    public const string SessionCategory = "cl_B7d4PD111AAA";
    public const string IgnoredCategory = "cl_I7d4PD111III";

    public static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(5);

    /// <summary>Why the token is refused, or null when it is a usable session token.</summary>
    public static string? Refusal(JsonElement header, JsonElement payload, DateTimeOffset now, IReadOnlyCollection<string> authorizedParties)
    {
        if (header.ValueKind != JsonValueKind.Object || payload.ValueKind != JsonValueKind.Object)
        {
            return "header or payload is not a JSON object";
        }
        if (header.TryGetProperty("typ", out var typ) && !IsString(typ, "JWT"))
        {
            return "header typ is not JWT";
        }
        if (!IsSessionCategory(header) || !IsSessionCategory(payload))
        {
            return "not a session token category";
        }

        if (!payload.TryGetProperty("sub", out var sub) || sub.ValueKind != JsonValueKind.String || sub.GetString() is not { Length: > 0 })
        {
            return "sub is not a non-empty string";
        }
        if (!payload.TryGetProperty("sid", out var sid) || sid.ValueKind != JsonValueKind.String || sid.GetString() is not { Length: > 0 })
        {
            return "not a session token (no sid)";
        }
        if (payload.TryGetProperty("sts", out var sts) && (sts.ValueKind != JsonValueKind.String || sts.GetString() == "pending"))
        {
            return "session pending";
        }

        var nowMs = now.ToUnixTimeMilliseconds();
        var skewMs = (long)ClockSkew.TotalMilliseconds;
        if (!payload.TryGetProperty("exp", out var exp) || Seconds(exp) is not { } expSeconds)
        {
            return "exp is not a number";
        }
        if (expSeconds * 1000 <= nowMs - skewMs)
        {
            return "expired";
        }
        if (payload.TryGetProperty("nbf", out var nbf))
        {
            if (Seconds(nbf) is not { } nbfSeconds)
            {
                return "nbf is not a number";
            }
            if (nbfSeconds * 1000 > nowMs + skewMs)
            {
                return "not yet valid";
            }
        }
        if (payload.TryGetProperty("iat", out var iat))
        {
            if (Seconds(iat) is not { } iatSeconds)
            {
                return "iat is not a number";
            }
            if (iatSeconds * 1000 > nowMs + skewMs)
            {
                return "issued in the future";
            }
        }

        if (authorizedParties.Count > 0
            && !(payload.TryGetProperty("azp", out var azp) && azp.ValueKind == JsonValueKind.String
                 && authorizedParties.Contains(azp.GetString()!, StringComparer.Ordinal)))
        {
            return "authorized party not allowed";
        }
        return null;
    }

    private static bool IsSessionCategory(JsonElement part) =>
        !part.TryGetProperty("cat", out var cat) || IsString(cat, SessionCategory) || IsString(cat, IgnoredCategory);

    private static bool IsString(JsonElement e, string value) =>
        e.ValueKind == JsonValueKind.String && string.Equals(e.GetString(), value, StringComparison.Ordinal);

    private static double? Seconds(JsonElement e) =>
        e.ValueKind == JsonValueKind.Number && e.TryGetDouble(out var d) && double.IsFinite(d) ? d : null;
}
