using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace BillingCycle.Api.Infrastructure.Auth;

/// <summary>
/// Reads a bare JWKS document (Clerk's /.well-known/jwks.json) into the configuration object
/// JwtBearer caches, so JwtBearer's own ConfigurationManager does the caching and the refetch
/// on an unknown kid.
/// </summary>
internal sealed class JwksRetriever : IConfigurationRetriever<OpenIdConnectConfiguration>
{
    public async Task<OpenIdConnectConfiguration> GetConfigurationAsync(
        string address, IDocumentRetriever retriever, CancellationToken cancel)
    {
        var json = await retriever.GetDocumentAsync(address, cancel);
        var set = new JsonWebKeySet(json);
        var config = new OpenIdConnectConfiguration();
        foreach (var key in set.GetSigningKeys())
        {
            config.SigningKeys.Add(key);
        }
        return config;
    }
}
