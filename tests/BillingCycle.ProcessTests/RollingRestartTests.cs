using System.Collections.Concurrent;
using System.Globalization;
using BillingCycle.IPaymu.StandIn;
using BillingCycle.TestSupport;

namespace BillingCycle.ProcessTests;

/// <summary>
/// A deploy: two instances behind one address (<see cref="RoundRobinProxy"/>, iPaymu's notifyUrl
/// points at it); SIGTERM to one while its renewal runs, callbacks arrive and emails go out; then
/// it starts again. The stopping instance ends its run cleanly (the page in hand finished, the run
/// recorded, never left "running"); iPaymu only ever hears 200 for a callback stored and applied,
/// else a 503 or a refused connection, both of which it resends; nothing is lost or done twice.
/// </summary>
public sealed class RollingRestartTests
{
    private const int Paying = 150, Due = 600;

    [Fact]
    public async Task SIGTERM_to_one_of_two_instances_during_renewals_callbacks_and_deliveries_then_a_restart_loses_and_doubles_nothing()
    {
        ResilienceReport.Scenario();
        await using var smtp = await SmtpTestServer.StartAsync();
        await using var world = await ProcessWorld.StartAsync();
        var start = new DateTimeOffset(2026, 11, 1, 2, 0, 0, TimeSpan.Zero);
        var (portA, portB) = (DedicatedPostgres.FreePort(), DedicatedPostgres.FreePort());
        await using var proxy = new RoundRobinProxy(portA, portB);
        var env = new Dictionary<string, string>
        {
            ["BILLING_TEST_CLOCK"] = start.ToString("o", CultureInfo.InvariantCulture),
            ["PUBLIC_BASE_URL"] = proxy.BaseUrl.ToString().TrimEnd('/'),
            ["SMTP_URL"] = smtp.Url,
            ["EMAIL_FROM"] = "Billing <billing@billing.test>",
            ["BILLING_DELIVERY_INTERVAL"] = "00:00:00.2",
        };
        var a = await world.StartApiAsync(env, portA);
        var b = await world.StartApiAsync(env, portB);
        // Links the customers pay during the deploy, made by B before it.
        await world.SeedDueAsync(Paying, prefix: "p");
        await ProcessWorld.PostJsonAsync(b.Cron, "/api/billing/renew");
        await world.SeedDueAsync(Due, prefix: "d");
        await world.StandIn.SetFaultsAsync(new StandInFaults { LatencyMs = 25 });

        // iPaymu: each payment's callback is sent to the one address until it is answered 200.
        var answers = new ConcurrentBag<int?>();
        var references = await world.Db.ListAsync<string>("SELECT reference_id FROM payments ORDER BY reference_id");
        var paid = Parallel.ForEachAsync(references, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (reference, ct) =>
        {
            var callback = world.StandIn.Act(reference, "pay");
            for (var tries = 0; tries < 200; tries++)
            {
                var d = await world.StandIn.Callbacks.DeliverAsync(callback, ct);
                answers.Add(d.StatusCode);
                if (d.StatusCode == 200)
                {
                    return;
                }
                await Task.Delay(50, ct); // iPaymu's resend interval, shortened
            }
            throw new InvalidOperationException($"callback for {reference} never answered 200");
        });

        var reached = new TaskCompletionSource();
        var links = 0;
        world.StandIn.State.OnRequest = r =>
        {
            if (r.Path == "/api/v2/payment" && Interlocked.Increment(ref links) == 150)
            {
                reached.TrySetResult();
            }
        };
        var renew = a.Cron.PostAsync(new Uri("/api/billing/renew", UriKind.Relative), null);
        await reached.Task.WaitAsync(TimeSpan.FromMinutes(1));
        a.Terminate();
        Assert.True(await a.ExitedAndDrainedWithinAsync(TimeSpan.FromSeconds(60)), "the instance stopped within its shutdown time");
        Assert.Equal(0, a.ExitCode);
        world.StandIn.State.OnRequest = null;
        using (var answer = await renew)
        {
            Assert.Equal(200, (int)answer.StatusCode); // the run in hand ended and answered before the host stopped
        }
        Assert.Equal(0, await world.Db.ScalarAsync<long>("SELECT count(*) FROM job_runs WHERE status = 'running'"));
        Assert.Equal(0, await world.Db.ScalarAsync<long>("SELECT count(*) FROM job_runs WHERE status NOT IN ('succeeded', 'abandoned')"));

        // The deploy's second half: the instance starts again on its address, and the next run finishes the day.
        var a2 = await world.StartApiAsync(env, portA);
        await world.StandIn.SetFaultsAsync(new StandInFaults());
        await ProcessWorld.PostJsonAsync(a2.Cron, "/api/billing/renew");
        await paid;
        var later = start.AddMinutes(6); // past the leases of sends the stopped instance had claimed
        foreach (var api in new[] { a2, b })
        {
            await ProcessWorld.PostJsonAsync(api.Cron, "/api/billing/test-clock", new { now = later.ToString("o", CultureInfo.InvariantCulture) });
        }
        await PostgresCrashTests.WaitForAsync(async () =>
            await world.Db.ScalarAsync<long>("SELECT count(*) FROM deliveries WHERE status = 'pending'") == 0, seconds: 120);

        // iPaymu heard 200 (stored and applied), 503 or a refused connection (both resent): never anything that ends its resending otherwise.
        Assert.All(answers, s => Assert.True(s is null or 200 or 503, $"callback answered {s}"));
        Assert.Equal(Paying + Due, await world.Db.ScalarAsync<long>("SELECT count(*) FROM invoices"));
        Assert.Equal(Paying + Due, await world.Db.ScalarAsync<long>("SELECT count(DISTINCT subscription_id) FROM invoices"));
        Assert.Equal(Paying + Due, await world.Db.ScalarAsync<long>("SELECT count(*) FROM payments WHERE session_id IS NOT NULL"));
        Assert.Equal(Paying, await world.Db.ScalarAsync<long>("SELECT count(*) FROM invoices WHERE status = 'paid'"));
        Assert.Equal(2 * Paying, await world.Db.ScalarAsync<long>("SELECT count(*) FROM credit_transactions"));
        var received = smtp.Received.Select(m => m.MessageId).ToHashSet(StringComparer.Ordinal);
        Assert.All(await world.Db.ListAsync<Guid>("SELECT id FROM deliveries WHERE status = 'sent'"), id => Assert.Contains($"delivery-{id:N}@billing.test", received));
        Assert.False(b.HasExited);
        ResilienceReport.Faults(1);
        await world.AssertInvariantsAsync(clockNow: later);
    }
}
