using System.Security.Claims;
using System.Text.Json;
using BillingCycle.Api.Infrastructure.Http;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.JsonWebTokens;
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
        var bearer = new ClerkBearer(clerk, admins);
        builder.Services.AddSingleton(clerk);
        builder.Services.AddSingleton(admins);
        builder.Services.AddSingleton(bearer);

        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme)
            .AddJwtBearer(o =>
            {
                bearer.Apply(o);
                o.Events.OnChallenge = async ctx =>
                {
                    ctx.HandleResponse();
                    ctx.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    await ctx.Response.WriteAsJsonAsync(new ApiError("Unauthorized", ErrorCodes.Unauthorized));
                };
                o.Events.OnForbidden = async ctx =>
                {
                    ctx.Response.StatusCode = StatusCodes.Status403Forbidden;
                    await ctx.Response.WriteAsJsonAsync(new ApiError("Forbidden", ErrorCodes.Forbidden));
                };
            });
        builder.Services.AddAuthorization();
        return builder;
    }

    /// <summary>Checks a verified token's claims (Clerk's session rules) and marks admins (contract §10.1).</summary>
    internal static Task OnTokenValidated(TokenValidatedContext ctx, ClerkOptions clerk, AdminRule admins) => CheckSession(ctx, clerk, admins);

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
