namespace BillingCycle.Api.Infrastructure.Auth;

/// <summary>Clerk session-token verification settings (contract §2, §10.1, §10.6), parsed and checked here only.</summary>
public sealed class ClerkOptions
{
    /// <summary>CLERK_JWT_KEY: the instance's PEM public key, for verification without network.</summary>
    public string? JwtKey { get; set; }

    /// <summary>CLERK_JWKS_URL: fetched, cached, refetched when a token names an unknown kid.</summary>
    public Uri? JwksUrl { get; set; }

    /// <summary>CLERK_ISSUER: the exact expected iss (the Frontend API URL); unchecked when unset (not in Production).</summary>
    public string? Issuer { get; set; }

    /// <summary>CLERK_AUTHORIZED_PARTIES: allowed azp origins; unchecked when empty (not in Production).</summary>
    public IReadOnlyList<string> AuthorizedParties { get; set; } = [];

    /// <summary>CLERK_ADMIN_ROLE: metadata.role, or o.rol inside CLERK_ADMIN_ORG_ID, equal to this makes an admin.</summary>
    public string AdminRole { get; set; } = "admin";

    /// <summary>CLERK_ADMIN_ORG_ID: the one organization whose admin-role members are admins; unset: none.</summary>
    public string? AdminOrganizationId { get; set; }

    /// <summary>Production: JWKS fetched over https only.</summary>
    public bool RequireHttps { get; set; }

    /// <param name="production">ASPNETCORE_ENVIRONMENT=Production: issuer and authorized parties
    /// are required and the JWKS URL must be https (contract §10.6).</param>
    public static ClerkOptions FromConfiguration(IConfiguration c, bool production)
    {
        var o = new ClerkOptions
        {
            JwtKey = NullIfBlank(c["CLERK_JWT_KEY"])?.Replace("\\n", "\n", StringComparison.Ordinal),
            Issuer = NullIfBlank(c["CLERK_ISSUER"]),
            AuthorizedParties = (c["CLERK_AUTHORIZED_PARTIES"] ?? "")
                .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            AdminRole = NullIfBlank(c["CLERK_ADMIN_ROLE"]) ?? "admin",
            AdminOrganizationId = NullIfBlank(c["CLERK_ADMIN_ORG_ID"]),
            RequireHttps = production,
        };
        if (NullIfBlank(c["CLERK_JWKS_URL"]) is { } jwks)
        {
            if (!Uri.TryCreate(jwks, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
            {
                throw new StartupException("CLERK_JWKS_URL is not an absolute http(s) URL");
            }
            if (production && url.Scheme != Uri.UriSchemeHttps)
            {
                throw new StartupException("CLERK_JWKS_URL must be https in Production");
            }
            o.JwksUrl = url;
        }
        if (production && o.Issuer is null)
        {
            throw new StartupException("CLERK_ISSUER is required in Production (the Frontend API URL, e.g. https://clerk.example.com)");
        }
        if (production && o.AuthorizedParties.Count == 0)
        {
            throw new StartupException("CLERK_AUTHORIZED_PARTIES is required in Production (the web app's origins, comma-separated)");
        }
        return o;
    }

    private static string? NullIfBlank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
}
