using System.Globalization;
using BillingCycle.Api.Infrastructure.Time;
using BillingCycle.IntegrationTests.Infrastructure;
using BillingCycle.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace BillingCycle.IntegrationTests.Deliveries;

/// <summary>
/// A delivery's back-off is transport time (contract §6.9, §8.4): under a frozen BILLING_TEST_CLOCK
/// (the tour, the acceptance runs) a webhook that failed once is tried again after its 5 s, without
/// anyone moving the clock. The wait here is real time, which is what is under test.
/// </summary>
public sealed class TransportTimeTests
{
    private static readonly DateTimeOffset Frozen = new(2026, 11, 1, 2, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Under_a_frozen_test_clock_a_webhook_that_failed_once_is_sent_after_its_5_seconds()
    {
        await using var app = await HttpTestReceiver.StartAsync();
        var tries = 0;
        app.Answer = _ => Interlocked.Increment(ref tries) == 1 ? 500 : 200;
        await using var db = await PostgresServer.CreateDatabaseAsync();
        var settings = DeliveryKit.Webhooks(app);
        settings["BILLING_TEST_CLOCK"] = Frozen.ToString("o", CultureInfo.InvariantCulture);
        await using var api = new ApiFactory(db, new ClerkTokens(), settings) { UseFakeClock = false };
        _ = api.Server;
        var clock = api.Services.GetRequiredService<BillingClock>();

        var user = await Seed.UserAsync(db);
        await db.ExecAsync("SELECT reset_interaction_credits($1, 100, 'grant-1', 'Operator grant', $2)", user, Frozen);
        Assert.True(await DeliveryKit.ReachesAsync(() => app.Requests.Count == 1));
        var failedAt = DateTimeOffset.UtcNow;
        Assert.True(await Eventually.TrueAsync(async () => await db.ScalarAsync<string?>("SELECT last_error FROM deliveries") == "HTTP 500"));

        Assert.Equal(1L, await DeliveryKit.CountReachesAsync(db, "SELECT count(*) FROM deliveries WHERE status = 'sent'", 1, 20_000));
        var waited = DateTimeOffset.UtcNow - failedAt;
        Assert.InRange(waited, TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(15)); // its 5 s, not sooner
        Assert.Equal(2, app.Requests.Count);
        Assert.Equal(2, await db.ScalarAsync<int>("SELECT attempts FROM deliveries"));
        Assert.Equal(Frozen, clock.UtcNow); // nobody moved the billing clock
    }

    [Fact]
    public void Transport_time_runs_while_the_test_clock_is_frozen_and_leaps_with_it_but_never_back()
    {
        var clock = new TestClock(Frozen);
        var first = clock.TransportNow();
        Thread.SpinWait(1_000_000);
        Assert.True(clock.TransportNow() > first);
        Assert.Equal(Frozen, clock.GetUtcNow());

        Assert.True(clock.MoveTo(Frozen.AddMinutes(6)));
        Assert.InRange(clock.TransportNow(), Frozen.AddMinutes(6), Frozen.AddMinutes(7));
        Assert.True(clock.MoveTo(Frozen.AddMinutes(6)));
        Assert.True(clock.TransportNow() >= Frozen.AddMinutes(6));
    }
}
