using System.Security.Cryptography;
using BillingCycle.Api.Infrastructure.Database;
using BillingCycle.Api.Infrastructure.LocalIdentity;
using BillingCycle.TestSupport;

namespace BillingCycle.UnitTests.LocalDevelopment;

/// <summary>run.sh's development key is recognised from the key itself; no other key is.</summary>
public sealed class LocalKeyTests
{
    [Fact]
    public async Task The_key_local_identity_sh_makes_is_recognised_as_local_in_both_PEM_forms()
    {
        using var identity = await LocalIdentityScripts.MakeAsync();

        Assert.True(LocalIdentityGuard.IsLocalDevelopmentKey(identity.PublicKeyPem));
        // clerk.env carries it on one line with \n escapes; the service reads it that way too.
        Assert.True(LocalIdentityGuard.IsLocalDevelopmentKey(identity.Settings["CLERK_JWT_KEY"].Replace("\\n", "\n", StringComparison.Ordinal)));
        // Made once: a second call keeps the same key (tokens made earlier stay valid).
        var again = await LocalIdentityScripts.RunAsync(identity.Dir, "local-identity.sh", "--print-env");
        Assert.EndsWith("clerk.env", again.Trim(), StringComparison.Ordinal);
        Assert.Equal(identity.PublicKeyPem, File.ReadAllText(Path.Combine(identity.Dir, "local-public-key.pem")));
    }

    [Fact]
    public void An_ordinary_RSA_key_like_Clerk_s_and_anything_else_is_not_local()
    {
        using var rsa = RSA.Create(2048);
        Assert.False(LocalIdentityGuard.IsLocalDevelopmentKey(rsa.ExportSubjectPublicKeyInfoPem()));
        Assert.False(LocalIdentityGuard.IsLocalDevelopmentKey(new ClerkTokens().PublicKeyPem));
        Assert.False(LocalIdentityGuard.IsLocalDevelopmentKey("not a key"));
        Assert.False(LocalIdentityGuard.IsLocalDevelopmentKey(null));
    }

    [Theory]
    [InlineData("postgres://postgres.abc:pw@aws-0-ap-southeast-1.pooler.supabase.com:6543/postgres", true)]
    [InlineData("postgres://postgres.abc:pw@aws-0-ap-southeast-1.pooler.supabase.com:5432/postgres", false)]
    [InlineData("postgres://postgres:pw@db.abc.supabase.co:5432/postgres?sslmode=require", false)]
    [InlineData("Host=127.0.0.1;Port=6543;Database=billing", true)]
    public void Port_6543_is_taken_for_Supabase_s_transaction_pooler(string url, bool pooler) =>
        Assert.Equal(pooler, TransactionPoolerCheck.LooksLikeTransactionPooler(DatabaseUrl.Parse(url)));
}
