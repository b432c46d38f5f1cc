using System.Net;
using BillingCycle.IntegrationTests.Infrastructure;
using BillingCycle.IPaymu;
using BillingCycle.IPaymu.StandIn;
using Microsoft.Extensions.DependencyInjection;

namespace BillingCycle.IntegrationTests.Webhooks;

/// <summary>contract §10.4: callbacks' check-transaction calls have a breaker of their own.</summary>
public sealed class CallbackBreakerTests
{
    [Fact]
    public async Task A_callback_storm_that_opens_its_breaker_leaves_the_jobs_breaker_closed_and_renewals_billing()
    {
        await using var h = await BillingHarness.StartAsync(new()
        {
            ["IPaymu__BreakerMinimumThroughput"] = "2",
            ["IPaymu__MaxRetries"] = "0",
        });
        var (subA, _) = await h.DueSubscriptionAsync();
        await h.RenewAsync();
        var cb = h.StandIn.Act(await h.InvoiceReferenceAsync(subA), "pay");

        // iPaymu's check-transaction fails while a burst of callbacks arrives.
        await h.StandIn.SetFaultsAsync(new StandInFaults { Mode = "http500", PathPrefix = "/api/v2/transaction" });
        var answers = new List<HttpStatusCode>();
        for (var i = 0; i < 6; i++)
        {
            answers.Add((await h.DeliverAsync(cb)).StatusCode);
        }
        await h.StandIn.SetFaultsAsync(new StandInFaults());

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.ServiceUnavailable, a));
        Assert.True(h.Api.Services.GetRequiredKeyedService<IPaymuCircuit>(ServiceCollectionExtensions.CallbacksClient).IsOpen);
        Assert.False(h.Api.Services.GetRequiredService<IPaymuCircuit>().IsOpen);
        // Fewer requests reached iPaymu than callbacks arrived: the open breaker spared it the rest.
        Assert.True(h.StandIn.RequestCount("/api/v2/transaction") < 6);

        // The next renewal bills a newly due subscription as if nothing happened.
        var (subB, _) = await h.DueSubscriptionAsync();
        var run = await h.RenewAsync();

        Assert.Equal(1, run.GetProperty("summary").GetProperty("pending_payment").GetInt32());
        Assert.False(run.GetProperty("summary").TryGetProperty("deferred", out _));
        Assert.NotNull(h.StandIn.ByReference(await h.InvoiceReferenceAsync(subB)));
    }
}
