using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace BillingCycle.TestSupport;

/// <summary>
/// Issues real RS256 Clerk-shaped session tokens with a test key pair (the service verifies them
/// with the public half, as it would Clerk's), plus the forgeries the service must refuse.
/// </summary>
public sealed class ClerkTokens
{
    public const string DefaultIssuer = "https://clerk.billing.test";
    public const string DefaultParty = "https://app.billing.test";

    private readonly RSA _rsa = RSA.Create(2048);
    private readonly RsaSecurityKey _key;

    public ClerkTokens(string kid = "test-key-1")
    {
        _key = new RsaSecurityKey(_rsa) { KeyId = kid };
        PublicKeyPem = _rsa.ExportSubjectPublicKeyInfoPem();
    }

    public string PublicKeyPem { get; }

    public RsaSecurityKey Key => _key;

    public sealed record Options
    {
        public string? Sid { get; init; } = "sess_" + Guid.NewGuid().ToString("N")[..16];
        public string Issuer { get; init; } = DefaultIssuer;
        public string? Azp { get; init; } = DefaultParty;
        public TimeSpan ExpiresIn { get; init; } = TimeSpan.FromMinutes(5);
        public TimeSpan NotBeforeOffset { get; init; } = TimeSpan.FromSeconds(-10);
        public string? MetadataRole { get; init; }
        public string? OrgRole { get; init; }
        /// <summary>o.id next to <see cref="OrgRole"/>; null leaves it out.</summary>
        public string? OrgId { get; init; } = "org_1";
        public string? Status { get; init; }
    }

    public string Issue(string userId, Options? options = null) => Sign(userId, options ?? new Options(), new SigningCredentials(_key, SecurityAlgorithms.RsaSha256));

    public string Admin(string userId) => Issue(userId, new Options { MetadataRole = "admin" });

    /// <summary>A token signed by a different key pair.</summary>
    public static string SignedByAnotherKey(string userId) => new ClerkTokens().Issue(userId);

    /// <summary>alg "none": no signature at all.</summary>
    public static string Unsigned(string userId)
    {
        var header = B64(JsonSerializer.Serialize(new { alg = "none", typ = "JWT" }));
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var payload = B64(JsonSerializer.Serialize(new { sub = userId, sid = "sess_x", iss = DefaultIssuer, azp = DefaultParty, iat = now, nbf = now - 10, exp = now + 300, metadata = new { role = "admin" } }));
        return $"{header}.{payload}.";
    }

    /// <summary>HS256 "signed" with the public key's PEM bytes: the classic algorithm-confusion forgery.</summary>
    public string Hs256WithPublicKey(string userId) =>
        Sign(userId, new Options { MetadataRole = "admin" },
            new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(PublicKeyPem)), SecurityAlgorithms.HmacSha256));

    /// <summary>
    /// A real RS256 token, signed with this instance's key, from a valid session token's header and
    /// payload after <paramref name="payload"/> and <paramref name="header"/> edited them: for the
    /// claims whose JSON type or header value matters (a string exp, a numeric sub, typ at+jwt).
    /// </summary>
    public string IssueRaw(string userId, Action<JsonObject>? payload = null, Action<JsonObject>? header = null)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var h = new JsonObject { ["alg"] = "RS256", ["kid"] = _key.KeyId, ["typ"] = "JWT" };
        var p = new JsonObject
        {
            ["sub"] = userId, ["sid"] = "sess_" + Guid.NewGuid().ToString("N")[..16], ["v"] = 2,
            ["iss"] = DefaultIssuer, ["azp"] = DefaultParty, ["iat"] = now - 10, ["nbf"] = now - 10, ["exp"] = now + 300,
        };
        header?.Invoke(h);
        payload?.Invoke(p);
        var signingInput = B64(h.ToJsonString()) + "." + B64(p.ToJsonString());
        var signature = _rsa.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return signingInput + "." + Base64UrlEncoder.Encode(signature);
    }

    private static string Sign(string userId, Options o, SigningCredentials credentials)
    {
        var now = DateTime.UtcNow;
        var claims = new Dictionary<string, object> { ["sub"] = userId, ["v"] = 2 };
        if (o.Sid is not null)
        {
            claims["sid"] = o.Sid;
        }
        if (o.Azp is not null)
        {
            claims["azp"] = o.Azp;
        }
        if (o.MetadataRole is not null)
        {
            claims["metadata"] = new Dictionary<string, object> { ["role"] = o.MetadataRole };
        }
        if (o.OrgRole is not null)
        {
            var org = new Dictionary<string, object> { ["rol"] = o.OrgRole, ["slg"] = "acme" };
            if (o.OrgId is not null)
            {
                org["id"] = o.OrgId;
            }
            claims["o"] = org;
        }
        if (o.Status is not null)
        {
            claims["sts"] = o.Status;
        }
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = o.Issuer,
            IssuedAt = now.Add(o.NotBeforeOffset),
            NotBefore = now.Add(o.NotBeforeOffset),
            Expires = now.Add(o.ExpiresIn),
            Claims = claims,
            SigningCredentials = credentials,
        };
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor);
    }

    private static string B64(string s) => Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(s));
}
