using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Json;
using BillingCycle.Api.Infrastructure.Http;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace BillingCycle.Api.Infrastructure.Auth;

/// <summary>
/// Verifies Clerk session tokens the way Clerk documents manual verification: RS256 signature
/// against the instance key, exp/nbf with a 5-second skew, iss and azp pinned when configured,
/// and only real, active sessions (a sid, not sts=pending). With no key configured every token
/// fails: security fails closed.
/// </summary>
public static class ClerkAuthentication
{
    public const string AdminClaim = "billing_admin";

    public static IHostApplicationBuilder AddClerkAuthentication(this IHostApplicationBuilder builder)
    {
        var clerk = ClerkOptions.FromConfiguration(builder.Configuration);
        builder.Services.AddSingleton(clerk);

        RsaSecurityKey? pemKey = null;
        if (clerk.JwtKey is not null)
        {
            try
            {
                var rsa = RSA.Create();
                rsa.ImportFromPem(clerk.JwtKey);
                pemKey = new RsaSecurityKey(rsa);
            }
            catch (Exception ex) when (ex is ArgumentException or CryptographicException)
            {
                throw new StartupException("CLERK_JWT_KEY is not a PEM RSA public key");
            }
        }
        if (clerk.JwksUrl is not null && !Uri.TryCreate(clerk.JwksUrl, UriKind.Absolute, out _))
        {
            throw new StartupException("CLERK_JWKS_URL is not an absolute URL");
        }

        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme)
            .AddJwtBearer(o =>
            {
                o.MapInboundClaims = false;
                o.RequireHttpsMetadata = false;
                o.IncludeErrorDetails = false;
                o.SaveToken = false;
                o.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
                    ValidateIssuer = clerk.Issuer is not null,
                    ValidIssuer = clerk.Issuer,
                    ValidateAudience = false,
                    ValidateLifetime = true,
                    RequireExpirationTime = true,
                    RequireSignedTokens = true,
                    ValidateIssuerSigningKey = true,
                    ClockSkew = TimeSpan.FromSeconds(5),
                    NameClaimType = "sub",
                };
                if (pemKey is not null)
                {
                    o.TokenValidationParameters.IssuerSigningKey = pemKey;
                }
                else if (clerk.JwksUrl is not null)
                {
                    o.ConfigurationManager = new ConfigurationManager<OpenIdConnectConfiguration>(
                        clerk.JwksUrl, new JwksRetriever(), new HttpDocumentRetriever { RequireHttps = false })
                    {
                        AutomaticRefreshInterval = TimeSpan.FromHours(1),
                        RefreshInterval = TimeSpan.FromSeconds(30),
                    };
                }
                else
                {
                    // No key at all: nothing can validate. A resolver that yields no key keeps it closed.
                    o.TokenValidationParameters.IssuerSigningKeyResolver = (_, _, _, _) => [];
                }

                o.Events = new JwtBearerEvents
                {
                    OnTokenValidated = ctx => CheckSession(ctx, clerk),
                    OnChallenge = async ctx =>
                    {
                        ctx.HandleResponse();
                        ctx.Response.StatusCode = StatusCodes.Status401Unauthorized;
                        await ctx.Response.WriteAsJsonAsync(
                            new ApiError("Unauthorized", ErrorCodes.Unauthorized));
                    },
                    OnForbidden = async ctx =>
                    {
                        ctx.Response.StatusCode = StatusCodes.Status403Forbidden;
                        await ctx.Response.WriteAsJsonAsync(new ApiError("Forbidden", ErrorCodes.Forbidden));
                    },
                };
            });
        builder.Services.AddAuthorization();
        return builder;
    }

    private static Task CheckSession(TokenValidatedContext ctx, ClerkOptions clerk)
    {
        var principal = ctx.Principal!;
        string? Claim(string type) => principal.FindFirst(type)?.Value;

        if (string.IsNullOrEmpty(Claim("sub")))
        {
            ctx.Fail("token has no subject");
            return Task.CompletedTask;
        }
        if (string.IsNullOrEmpty(Claim("sid")))
        {
            ctx.Fail("not a session token");
            return Task.CompletedTask;
        }
        if (string.Equals(Claim("sts"), "pending", StringComparison.Ordinal))
        {
            ctx.Fail("session pending");
            return Task.CompletedTask;
        }
        if (clerk.AuthorizedParties.Count > 0)
        {
            var azp = Claim("azp");
            if (azp is null || !clerk.AuthorizedParties.Contains(azp, StringComparer.Ordinal))
            {
                ctx.Fail("authorized party not allowed");
                return Task.CompletedTask;
            }
        }

        if (IsAdmin(ctx.SecurityToken as JsonWebToken, clerk.AdminRole))
        {
            ((ClaimsIdentity)principal.Identity!).AddClaim(new Claim(AdminClaim, "true"));
        }
        return Task.CompletedTask;
    }

    private static bool IsAdmin(JsonWebToken? token, string adminRole)
    {
        if (token is null)
        {
            return false;
        }
        return string.Equals(NestedString(token, "metadata", "role"), adminRole, StringComparison.Ordinal)
            || string.Equals(NestedString(token, "o", "rol"), adminRole, StringComparison.Ordinal);
    }

    private static string? NestedString(JsonWebToken token, string claim, string property)
    {
        if (!token.TryGetPayloadValue<JsonElement>(claim, out var obj) || obj.ValueKind != JsonValueKind.Object)
        {
            return null;
        }
        return obj.TryGetProperty(property, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
    }
}

public static class ClaimsPrincipalExtensions
{
    public static string UserId(this ClaimsPrincipal p) => p.FindFirst("sub")!.Value;

    public static bool IsBillingAdmin(this ClaimsPrincipal p) =>
        p.HasClaim(ClerkAuthentication.AdminClaim, "true");
}
