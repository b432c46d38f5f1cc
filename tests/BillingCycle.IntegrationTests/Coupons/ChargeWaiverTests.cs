using System.Net;
using System.Net.Http.Json;
using BillingCycle.IntegrationTests.Subscriptions;

namespace BillingCycle.IntegrationTests.Coupons;

/// <summary>
/// contract §11.3: an invoice whose total is 0 or under BILLING_MIN_CHARGE is settled at once
/// (charge_waived) through the one settlement path whatever made it so — not only a discount: a
/// free plan, a plan priced under the minimum. A credit pack is never waived (contract §11.4). The invoice keeps its composed
/// amount; the waived payment records 0 collected, so no money is counted or refunded that was
/// never received.
/// </summary>
public sealed class ChargeWaiverTests : IAsyncLifetime
{
    private CouponWorld _c = null!;

    public async Task InitializeAsync() => _c = await CouponWorld.StartAsync();

    public async Task DisposeAsync() => await _c.DisposeAsync();

    private Task<Guid> PlanAsync(string name, long price) => _c.W.H.Db.ScalarAsync<Guid>(
        "INSERT INTO subscription_plans (name, price, interaction_credits, scraper_credits) VALUES ($1, $2, 300, 50) RETURNING id", name, price);

    [Fact]
    public async Task Plans_under_the_minimum_without_a_discount_are_settled_at_once_and_renewals_too_but_a_pack_never()
    {
        var cheap = await PlanAsync("Mini", 3_000);
        var free = await PlanAsync("Gratis", 0);
        // A pack stored under the minimum (the admin API refuses one): never waived, or it would be
        // credits without end, as a paid-at-once pack never counts toward the open-invoice limit.
        var pack = await _c.W.H.Db.ScalarAsync<Guid>(
            "INSERT INTO credit_packs (name, credit_type, credits, price) VALUES ('Coba', 'scraper', 25, 2000) RETURNING id");

        var (mini, miniBody) = await _c.CheckoutAsync("u_mini", cheap, null);
        var (gratis, gratisBody) = await _c.CheckoutAsync("u_gratis", free, null);
        foreach (var (res, body) in new[] { (mini, miniBody), (gratis, gratisBody) })
        {
            Assert.Equal(HttpStatusCode.Created, res.StatusCode);
            Assert.Equal("paid", body.GetProperty("invoice").GetProperty("status").GetString());
            Assert.Equal(System.Text.Json.JsonValueKind.Null, body.GetProperty("payment_url").ValueKind);
        }
        for (var i = 0; i < 4; i++)
        {
            var bought = await _c.W.As("u_pack").PostAsync($"/api/credit-packs/{pack}/purchase", null);
            Assert.Equal(HttpStatusCode.Conflict, bought.StatusCode);
            Assert.Equal("PACK_PRICE_UNDER_MINIMUM", await CouponWorld.CodeAsync(bought));
        }
        Assert.Equal("active", await _c.W.StatusAsync("u_mini"));
        Assert.Equal("active", await _c.W.StatusAsync("u_gratis"));
        Assert.Equal(300, await _c.W.BalanceAsync("u_mini", "interaction"));
        Assert.Equal("0|0|0|0", await _c.W.H.Db.ScalarAsync<string>("""
            SELECT (SELECT count(*) FROM invoices WHERE user_id = 'u_pack') || '|' || (SELECT count(*) FROM invoices WHERE kind = 'credit_pack')
                   || '|' || (SELECT count(*) FROM credit_transactions WHERE user_id = 'u_pack')
                   || '|' || (SELECT count(*) FROM billing_logs WHERE event_type = 'credit_pack')
            """));

        // A month on the renewal waives the cheap plan's period too; nothing ever went to iPaymu.
        _c.W.H.Api.Clock.Advance(TimeSpan.FromDays(31));
        var renewal = await _c.W.H.RenewAsync();
        Assert.Equal(2, renewal.GetProperty("summary").GetProperty("charge_waived").GetInt32());
        Assert.Equal("3000/-/paid 3000/-/paid", await _c.InvoicesAsync("u_mini"));
        Assert.Equal(0, await _c.W.H.Db.ScalarAsync<long>("SELECT count(*) FROM payments WHERE session_id IS NOT NULL OR provider <> 'waived'"));
        Assert.Equal(4, await _c.W.H.Db.ScalarAsync<long>("SELECT count(*) FROM billing_logs WHERE event_type = 'charge_waived'"));
    }

    [Fact]
    public async Task A_waived_invoice_keeps_its_amount_records_nothing_collected_and_cannot_be_refunded()
    {
        await _c.CouponAsync(new { code = "ALMOST", name = "Almost", amount_off = 146_000, duration = "once" });
        await _c.SubscribeAsync("u_paid", _c.W.Pro, null);
        var (res, body) = await _c.CheckoutAsync("u_almost", _c.W.Pro, "ALMOST");
        Assert.Equal(HttpStatusCode.Created, res.StatusCode);
        var waived = body.GetProperty("invoice").GetProperty("id").GetGuid();

        // The invoice as billed (price − discount), the payment as collected (nothing), the sum forgiven kept.
        Assert.Equal("3000|paid|waived|0|3000", await _c.W.H.Db.ScalarAsync<string>("""
            SELECT i.amount || '|' || i.status || '|' || p.provider || '|' || p.amount || '|' || (p.gateway_response->>'waived_amount')
              FROM invoices i JOIN payments p ON p.invoice_id = i.id WHERE i.id = $1
            """, waived));
        // Money received is Pro's one real payment.
        Assert.Equal(149_000, await _c.W.H.Db.ScalarAsync<long>("SELECT sum(amount) FROM payments WHERE status = 'paid'"));

        var refund = await _c.Admin().PostAsJsonAsync($"/api/admin/invoices/{waived}/refunds", new { amount = 3_000, reason = "goodwill" });
        Assert.Equal(HttpStatusCode.Conflict, refund.StatusCode);
        Assert.Equal("REFUND_EXCEEDS_PAID", await CouponWorld.CodeAsync(refund));
        Assert.Equal("0|paid|0", await _c.W.H.Db.ScalarAsync<string>(
            "SELECT refunded_amount || '|' || status || '|' || (SELECT count(*) FROM credit_notes) FROM invoices WHERE id = $1", waived));

        // The database holds it: a waived payment cannot record money collected.
        var check = await Assert.ThrowsAsync<Npgsql.PostgresException>(() =>
            _c.W.H.Db.ExecAsync("UPDATE payments SET amount = 3000 WHERE provider = 'waived'"));
        Assert.Equal("payments_waived_collects_nothing", check.ConstraintName);
        // The log says what was collected (0) and what was forgiven.
        Assert.Equal("0|3000", await _c.W.H.Db.ScalarAsync<string>(
            "SELECT (details->>'amount') || '|' || (details->>'waived_amount') FROM billing_logs WHERE event_type = 'charge_waived'"));
    }
}
