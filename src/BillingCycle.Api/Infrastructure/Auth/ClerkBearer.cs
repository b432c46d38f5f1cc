using System.Security.Cryptography;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace BillingCycle.Api.Infrastructure.Auth;

/// <summary>
/// How a Clerk session token is verified, in one place for every JwtBearer scheme that accepts one
/// (the API's, and the operator console's, which also reads Clerk's <c>__session</c> cookie): RS256
/// against <c>CLERK_JWT_KEY</c> or the JWKS (one cache shared by the schemes), issuer pinned when
/// set, lifetime with Clerk's skew, then <see cref="SessionTokenRules"/> and <see cref="AdminRule"/>.
/// With no key configured every token fails: security fails closed.
/// </summary>
public sealed class ClerkBearer
{
    private readonly ClerkOptions _clerk;
    private readonly AdminRule _admins;
    private readonly RsaSecurityKey? _pemKey;
    private readonly ConfigurationManager<OpenIdConnectConfiguration>? _jwks;

    public ClerkBearer(ClerkOptions clerk, AdminRule admins)
    {
        _clerk = clerk;
        _admins = admins;
        if (clerk.JwtKey is not null)
        {
            try
            {
                var rsa = RSA.Create();
                rsa.ImportFromPem(clerk.JwtKey);
                _pemKey = new RsaSecurityKey(rsa);
            }
            catch (Exception ex) when (ex is ArgumentException or CryptographicException)
            {
                throw new StartupException("CLERK_JWT_KEY is not a PEM RSA public key");
            }
        }
        else if (clerk.JwksUrl is not null)
        {
            _jwks = new ConfigurationManager<OpenIdConnectConfiguration>(
                clerk.JwksUrl.AbsoluteUri, new JwksRetriever(), new HttpDocumentRetriever { RequireHttps = clerk.RequireHttps })
            {
                AutomaticRefreshInterval = TimeSpan.FromHours(1),
                RefreshInterval = TimeSpan.FromSeconds(30),
            };
        }
    }

    /// <summary>Sets the verification of a JwtBearer scheme; the caller adds where the token is read and how refusals look.</summary>
    public void Apply(JwtBearerOptions o)
    {
        o.MapInboundClaims = false;
        o.RequireHttpsMetadata = _clerk.RequireHttps;
        o.IncludeErrorDetails = false;
        o.SaveToken = false;
        o.TokenValidationParameters = new TokenValidationParameters
        {
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
            ValidateIssuer = _clerk.Issuer is not null,
            ValidIssuer = _clerk.Issuer,
            ValidateAudience = false,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ValidateIssuerSigningKey = true,
            ClockSkew = SessionTokenRules.ClockSkew,
            NameClaimType = "sub",
        };
        if (_pemKey is not null)
        {
            o.TokenValidationParameters.IssuerSigningKey = _pemKey;
        }
        else if (_jwks is not null)
        {
            o.ConfigurationManager = _jwks;
        }
        else
        {
            // No key at all: nothing can validate. A resolver that yields no key keeps it closed.
            o.TokenValidationParameters.IssuerSigningKeyResolver = (_, _, _, _) => [];
        }
        o.Events = new JwtBearerEvents
        {
            OnTokenValidated = ctx => ClerkAuthentication.OnTokenValidated(ctx, _clerk, _admins),
        };
    }
}
