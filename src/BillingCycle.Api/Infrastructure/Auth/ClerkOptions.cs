namespace BillingCycle.Api.Infrastructure.Auth;

/// <summary>Clerk session-token verification settings (SPEC §2).</summary>
public sealed class ClerkOptions
{
    /// <summary>CLERK_JWT_KEY: the instance's PEM public key, for verification without network.</summary>
    public string? JwtKey { get; set; }

    /// <summary>CLERK_JWKS_URL: fetched, cached, refetched when a token names an unknown kid.</summary>
    public string? JwksUrl { get; set; }

    /// <summary>CLERK_ISSUER: the exact expected iss (the Frontend API URL); unchecked when unset.</summary>
    public string? Issuer { get; set; }

    /// <summary>CLERK_AUTHORIZED_PARTIES: allowed azp origins; unchecked when empty.</summary>
    public IReadOnlyList<string> AuthorizedParties { get; set; } = [];

    /// <summary>CLERK_ADMIN_ROLE: metadata.role or o.rol equal to this makes a credits admin.</summary>
    public string AdminRole { get; set; } = "admin";

    public static ClerkOptions FromConfiguration(IConfiguration c) => new()
    {
        JwtKey = NullIfBlank(c["CLERK_JWT_KEY"])?.Replace("\\n", "\n", StringComparison.Ordinal),
        JwksUrl = NullIfBlank(c["CLERK_JWKS_URL"]),
        Issuer = NullIfBlank(c["CLERK_ISSUER"]),
        AuthorizedParties = (c["CLERK_AUTHORIZED_PARTIES"] ?? "")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
        AdminRole = NullIfBlank(c["CLERK_ADMIN_ROLE"]) ?? "admin",
    };

    private static string? NullIfBlank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
}
