using System.Text.Json;

namespace BillingCycle.Api.Infrastructure.Auth;

/// <summary>
/// Who is an admin (contract §10.1), in one place so the credits API and the operator console agree:
/// <list type="bullet">
/// <item><c>metadata.role</c> equals CLERK_ADMIN_ROLE (custom session claim filled from the user's
/// public metadata, which only the backend can write); or</item>
/// <item>the active organization's role equals CLERK_ADMIN_ROLE, an <c>org:</c> prefix ignored on
/// both sides as Clerk's own <c>has({ role })</c> does, <b>and</b> that organization is
/// CLERK_ADMIN_ORG_ID. Anyone can create a Clerk organization and is its admin, so a role in an
/// organization other than the configured one grants nothing; with no organization configured,
/// organization roles never make an admin.</item>
/// </list>
/// Where the organization is read follows Clerk's claim parser (@clerk/shared,
/// <c>jwtPayloadParser.ts</c>): a version 2 token (<c>"v": 2</c>) carries it as <c>o.id</c> and
/// <c>o.rol</c> (the role without its <c>org:</c> prefix); any other token as the version 1
/// claims <c>org_id</c> and <c>org_role</c>. Only JSON strings count; anything else is no role.
/// </summary>
public sealed class AdminRule
{
    private const string OrgPrefix = "org:";

    private readonly string _role;
    private readonly string _roleWithoutPrefix;
    private readonly string? _organizationId;

    public AdminRule(string adminRole, string? adminOrganizationId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(adminRole);
        _role = adminRole;
        _roleWithoutPrefix = WithoutOrgPrefix(adminRole);
        _organizationId = string.IsNullOrWhiteSpace(adminOrganizationId) ? null : adminOrganizationId;
    }

    public static AdminRule From(ClerkOptions options) => new(options.AdminRole, options.AdminOrganizationId);

    /// <summary>True when the (already verified) session token's claims make its holder an admin.</summary>
    public bool IsAdmin(JsonElement claims)
    {
        if (claims.ValueKind != JsonValueKind.Object)
        {
            return false;
        }
        if (string.Equals(Nested(claims, "metadata", "role"), _role, StringComparison.Ordinal))
        {
            return true;
        }
        if (_organizationId is null)
        {
            return false;
        }
        var (orgId, orgRole) = ActiveOrganization(claims);
        return string.Equals(orgId, _organizationId, StringComparison.Ordinal)
               && orgRole is { Length: > 0 }
               && _roleWithoutPrefix.Length > 0
               && string.Equals(WithoutOrgPrefix(orgRole), _roleWithoutPrefix, StringComparison.Ordinal);
    }

    private static (string? Id, string? Role) ActiveOrganization(JsonElement claims)
    {
        var v2 = claims.TryGetProperty("v", out var v) && v.ValueKind == JsonValueKind.Number
                 && v.TryGetDouble(out var version) && version == 2;
        return v2
            ? (Nested(claims, "o", "id"), Nested(claims, "o", "rol"))
            : (String(claims, "org_id"), String(claims, "org_role"));
    }

    /// <summary>Clerk's prefixWithOrg compares <c>value.replace(/^(org:)*/, 'org:')</c>: every leading prefix goes.</summary>
    private static string WithoutOrgPrefix(string role)
    {
        var s = role;
        while (s.StartsWith(OrgPrefix, StringComparison.Ordinal))
        {
            s = s[OrgPrefix.Length..];
        }
        return s;
    }

    private static string? String(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;

    private static string? Nested(JsonElement obj, string name, string property) =>
        obj.TryGetProperty(name, out var o) && o.ValueKind == JsonValueKind.Object ? String(o, property) : null;
}
