using BillingCycle.IntegrationTests.Infrastructure;
using BillingCycle.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Serilog.Core;

namespace BillingCycle.IntegrationTests.LocalDevelopment;

public sealed class PoolerWarningTests(DatabaseFixture fx) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task Start_up_warns_once_when_DATABASE_URL_is_Supabase_s_transaction_pooler_and_never_prints_the_password()
    {
        var capture = new LogCapture();
        await using var app = new ApiFactory(fx.Db, new ClerkTokens(), new Dictionary<string, string?>
        {
            ["DATABASE_URL"] = "postgres://postgres.abc:pooler-Pa55word@127.0.0.1:6543/postgres",
            ["BILLING_MIGRATE_ON_START"] = "false",
        })
        {
            ExtraServices = s => s.AddSingleton<ILogEventSink>(capture),
        };
        (await app.CreateClient().GetAsync("/health/live")).EnsureSuccessStatusCode();

        var line = Assert.Single(capture.Lines, l => l.Contains("transaction pooler", StringComparison.Ordinal));
        Assert.Contains("127.0.0.1:6543", line, StringComparison.Ordinal);
        Assert.DoesNotContain("pooler-Pa55word", string.Join('\n', capture.Lines), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_direct_connection_gets_no_such_warning()
    {
        var capture = new LogCapture();
        await using var app = new ApiFactory(fx.Db, new ClerkTokens()) { ExtraServices = s => s.AddSingleton<ILogEventSink>(capture) };
        (await app.CreateClient().GetAsync("/health/live")).EnsureSuccessStatusCode();

        Assert.DoesNotContain(capture.Lines, l => l.Contains("transaction pooler", StringComparison.Ordinal));
    }
}
