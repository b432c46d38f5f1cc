using System.Net;
using System.Text.Json;
using BillingCycle.IntegrationTests.Infrastructure;
using BillingCycle.IPaymu.StandIn;

namespace BillingCycle.IntegrationTests.Subscriptions;

/// <summary>
/// A customer's own iPaymu call claims its attempt (contract §4.9), as a renewal run claims its
/// batch: orphan recovery running while that call is in flight leaves the attempt alone, so the
/// customer never gets a second link for it; once the claim's lease ends (the process died
/// mid-call) the attempt is an orphan again and gets its link.
/// </summary>
public sealed class CustomerClaimTests : IAsyncLifetime
{
    private LifecycleWorld _w = null!;

    public async Task InitializeAsync() => _w = await LifecycleWorld.StartAsync();

    public async Task DisposeAsync() => await _w.DisposeAsync();

    private static int Recreated(JsonElement run) =>
        run.GetProperty("reconciliation").TryGetProperty("payments_recreated", out var n) ? n.GetInt32() : 0;

    private Task<long> UnlinkedAttemptsAsync(string user) => _w.H.Db.ScalarAsync<long>("""
        SELECT count(*) FROM payments p JOIN invoices i ON i.id = p.invoice_id
         WHERE i.user_id = $1 AND p.status = 'pending' AND p.session_id IS NULL
        """, user);

    [Fact]
    public async Task Orphan_recovery_during_a_customers_slow_checkout_call_does_not_make_a_second_link()
    {
        await _w.H.StandIn.SetFaultsAsync(new StandInFaults { LatencyMs = 3_000, PathPrefix = "/api/v2/payment" });
        var checkout = _w.CheckoutAsync("u_slow", _w.Pro);
        Assert.True(await Eventually.TrueAsync(async () => await UnlinkedAttemptsAsync("u_slow") == 1));

        var renewal = await _w.H.RenewAsync(); // its orphan recovery runs while iPaymu is still answering the customer

        var (res, body) = await checkout;
        Assert.Equal(HttpStatusCode.Created, res.StatusCode);
        Assert.Equal(0, Recreated(renewal));
        Assert.Equal(1, _w.H.StandIn.RequestCount("/api/v2/payment"));
        Assert.Equal(1, await _w.H.Db.ScalarAsync<long>("""
            SELECT count(*) FROM payments p JOIN invoices i ON i.id = p.invoice_id
             WHERE i.user_id = 'u_slow' AND p.session_id IS NOT NULL AND p.claimed_until IS NULL
            """));
        Assert.Equal(body.GetProperty("payment_url").GetString(), await _w.H.Db.ScalarAsync<string>("""
            SELECT p.payment_url FROM payments p JOIN invoices i ON i.id = p.invoice_id WHERE i.user_id = 'u_slow'
            """));
    }

    [Fact]
    public async Task A_checkout_attempt_whose_callers_claim_ran_out_is_an_orphan_again_and_gets_its_link()
    {
        // The customer's process died after writing the checkout, before iPaymu answered it.
        await _w.H.Db.ExecAsync("INSERT INTO users (id, email, full_name) VALUES ('u_died', 'u_died@example.com', 'Died')");
        await _w.H.Db.ExecAsync("SELECT * FROM billing_checkout('u_died', $1, $2)", _w.Pro, _w.H.Api.Clock.GetUtcNow());
        Assert.Equal(1, await UnlinkedAttemptsAsync("u_died"));
        Assert.Equal(0, Recreated(await _w.H.RenewAsync())); // still claimed: its call may be in flight
        Assert.Equal(0, _w.H.StandIn.RequestCount("/api/v2/payment"));

        await _w.H.Db.ExecAsync("UPDATE payments SET claimed_until = clock_timestamp() - interval '1 second' WHERE claimed_until IS NOT NULL");
        Assert.Equal(1, Recreated(await _w.H.RenewAsync()));
        Assert.Equal(0, await UnlinkedAttemptsAsync("u_died"));
        Assert.Equal(1, _w.H.StandIn.RequestCount("/api/v2/payment"));
    }
}
