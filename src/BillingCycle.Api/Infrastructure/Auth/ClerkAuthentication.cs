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
/// Verifies Clerk session tokens as Clerk's own backend SDK does: RS256 signature against the
/// instance key, then <see cref="SessionTokenRules"/> (typ, token category, claim types, exp/nbf/iat
/// with a 5-second skew, azp) and iss pinned when configured; only real, active sessions (a sid, not
/// sts=pending). <see cref="AdminRule"/> decides who is an admin. With no key configured every
/// token fails: security fails closed.
/// </summary>
public static class ClerkAuthentication
{
    public const string AdminClaim = "billing_admin";

    public static IHostApplicationBuilder AddClerkAuthentication(this IHostApplicationBuilder builder)
    {
        var clerk = ClerkOptions.FromConfiguration(builder.Configuration, builder.Environment.IsProduction());
        var admins = AdminRule.From(clerk);
        builder.Services.AddSingleton(clerk);
        builder.Services.AddSingleton(admins);

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
        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme)
            .AddJwtBearer(o =>
            {
                o.MapInboundClaims = false;
                o.RequireHttpsMetadata = clerk.RequireHttps;
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
                    ClockSkew = SessionTokenRules.ClockSkew,
                    NameClaimType = "sub",
                };
                if (pemKey is not null)
                {
                    o.TokenValidationParameters.IssuerSigningKey = pemKey;
                }
                else if (clerk.JwksUrl is not null)
                {
                    o.ConfigurationManager = new ConfigurationManager<OpenIdConnectConfiguration>(
                        clerk.JwksUrl.AbsoluteUri, new JwksRetriever(), new HttpDocumentRetriever { RequireHttps = clerk.RequireHttps })
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
                    OnTokenValidated = ctx => CheckSession(ctx, clerk, admins),
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

    private static Task CheckSession(TokenValidatedContext ctx, ClerkOptions clerk, AdminRule admins)
    {
        // The signature, issuer and lifetime are already verified; now the claims, read from the
        // token's own JSON so that a claim's JSON type is seen (a numeric sub or a string exp is
        // refused, as Clerk's SDK refuses them). Tokens are minted on Clerk's real clock, so
        // they are judged on the real clock too, never on the billing test clock.
        if (ctx.SecurityToken is not JsonWebToken token || Decode(token.EncodedHeader) is not { } header
            || Decode(token.EncodedPayload) is not { } payload)
        {
            ctx.Fail("token could not be decoded");
            return Task.CompletedTask;
        }
        using (header)
        using (payload)
        {
            if (SessionTokenRules.Refusal(header.RootElement, payload.RootElement, TimeProvider.System.GetUtcNow(), clerk.AuthorizedParties) is { } refusal)
            {
                ctx.Fail(refusal);
                return Task.CompletedTask;
            }
            if (admins.IsAdmin(payload.RootElement))
            {
                ((ClaimsIdentity)ctx.Principal!.Identity!).AddClaim(new Claim(AdminClaim, "true"));
            }
        }
        return Task.CompletedTask;
    }

    private static JsonDocument? Decode(string base64Url)
    {
        try
        {
            return JsonDocument.Parse(Base64UrlEncoder.DecodeBytes(base64Url));
        }
        catch (Exception ex) when (ex is JsonException or FormatException or ArgumentException)
        {
            return null;
        }
    }
}

public static class ClaimsPrincipalExtensions
{
    public static string UserId(this ClaimsPrincipal p) => p.FindFirst("sub")!.Value;

    public static bool IsBillingAdmin(this ClaimsPrincipal p) =>
        p.HasClaim(ClerkAuthentication.AdminClaim, "true");
}
