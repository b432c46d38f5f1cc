using System.Security.Cryptography;

namespace BillingCycle.Api.Infrastructure.LocalIdentity;

/// <summary>
/// Keeps the local development identity (scripts/run.sh's key pair, scripts/token.sh's tokens)
/// out of every environment but Development, and says at start-up how Clerk tokens are checked.
///
/// How a local key is recognised without the repo's .local folder: scripts/local-identity.sh
/// makes its RSA key with the public exponent 65539 instead of the universal 65537 that Clerk
/// (and practically every RSA key generator) uses. The mark is in the key material itself, so
/// it survives any copy of the PEM — with or without comments, re-encoded, pasted into a
/// secret store — and needs no file or flag in the production environment: a deployment that
/// is handed the local public key refuses to start, whatever else it has or lacks.
/// </summary>
public static class LocalIdentityGuard
{
    /// <summary>The public exponent only local development keys have (0x010003).</summary>
    public const int LocalKeyExponent = 65539;

    public static IHostApplicationBuilder AddLocalIdentityGuard(this IHostApplicationBuilder builder)
    {
        // Read here as the Clerk set-up reads them (a one-line PEM may carry \n escapes).
        var jwtKey = builder.Configuration["CLERK_JWT_KEY"]?.Replace("\\n", "\n", StringComparison.Ordinal);
        var configured = !string.IsNullOrWhiteSpace(jwtKey) || !string.IsNullOrWhiteSpace(builder.Configuration["CLERK_JWKS_URL"]);
        var local = IsLocalDevelopmentKey(jwtKey);
        // Fails closed: anything but an explicit Development environment refuses the local key
        // (an unset ASPNETCORE_ENVIRONMENT is Production).
        if (local && !builder.Environment.IsDevelopment())
        {
            throw new StartupException(
                "CLERK_JWT_KEY is the local development key made by scripts/run.sh; it is accepted only when " +
                "ASPNETCORE_ENVIRONMENT=Development. Set your Clerk instance's public key (or CLERK_JWKS_URL)");
        }
        builder.Services.AddHostedService(sp => new ClerkStartupNotice(
            configured, local, sp.GetRequiredService<ILogger<ClerkStartupNotice>>()));
        return builder;
    }

    /// <summary>True when the PEM is an RSA public key with the local development exponent.</summary>
    public static bool IsLocalDevelopmentKey(string? pem)
    {
        if (string.IsNullOrWhiteSpace(pem))
        {
            return false;
        }
        try
        {
            using var rsa = RSA.Create();
            rsa.ImportFromPem(pem);
            var e = rsa.ExportParameters(includePrivateParameters: false).Exponent ?? [];
            var value = 0L;
            foreach (var b in e)
            {
                value = (value << 8) | b;
                if (value > int.MaxValue)
                {
                    return false;
                }
            }
            return value == LocalKeyExponent;
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            return false; // not a PEM RSA key at all: the Clerk set-up reports that itself
        }
    }
}

/// <summary>One start-up line on how session tokens are verified, so a 401 on every credit call is never a mystery.</summary>
internal sealed partial class ClerkStartupNotice(bool configured, bool localKey, ILogger<ClerkStartupNotice> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!configured)
        {
            LogNotConfigured(logger);
        }
        else if (localKey)
        {
            LogLocalKey(logger);
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "CLERK_JWT_KEY / CLERK_JWKS_URL is not set: Clerk is not configured, so every credit endpoint answers 401 (locally, scripts/run.sh makes a development key and scripts/token.sh USER makes tokens for it)")]
    private static partial void LogNotConfigured(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Clerk: session tokens are verified with the local development key (Development only); make one with scripts/token.sh USER [--admin]")]
    private static partial void LogLocalKey(ILogger logger);
}
