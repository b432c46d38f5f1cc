using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using BillingCycle.IntegrationTests.Subscriptions;
using UglyToad.PdfPig;

namespace BillingCycle.IntegrationTests.CreditPacks;

/// <summary>
/// contract §11.4: credit packs on the real database — the list, a purchase (an invoice without a
/// subscription, its total from the composer, its iPaymu link), credits ADDED once when paid
/// (callback, manual payment, racing callbacks), the open-invoice limit under concurrency, expiry,
/// refunds, the pay page and the PDF. Tax is on (11%, exclusive) so the composer's total shows.
/// </summary>
public sealed class CreditPackTests : IAsyncLifetime
{
    private LifecycleWorld _w = null!;
    private Guid _pack;

    public async Task InitializeAsync()
    {
        _w = await LifecycleWorld.StartAsync(new() { ["BILLING_TAX_PERCENT"] = "11", ["BILLING_PRICES_INCLUDE_TAX"] = "false" });
        _pack = await PackAsync("Top-up 1K", "scraper", 1_000, 50_000);
    }

    public async Task DisposeAsync() => await _w.DisposeAsync();

    private Task<Guid> PackAsync(string name, string type, long credits, long price, bool active = true) =>
        _w.H.Db.ScalarAsync<Guid>(
            "INSERT INTO credit_packs (name, credit_type, credits, price, is_active) VALUES ($1, $2, $3, $4, $5) RETURNING id",
            name, type, credits, price, active);

    private async Task<(HttpResponseMessage Response, JsonElement Body)> BuyAsync(string user, Guid pack, string? key = null)
    {
        var req = new HttpRequestMessage(HttpMethod.Post, $"/api/credit-packs/{pack}/purchase");
        if (key is not null)
        {
            req.Headers.Add("Idempotency-Key", key);
        }
        var res = await _w.As(user).SendAsync(req);
        return (res, await LifecycleWorld.JsonAsync(res));
    }

    private Task<long> LedgerRowsAsync(Guid invoice) =>
        _w.H.Db.ScalarAsync<long>("SELECT count(*) FROM credit_transactions WHERE reference_id = $1 AND kind = 'add'", invoice.ToString());

    [Fact]
    public async Task The_list_is_the_active_packs_cheapest_first_without_a_token()
    {
        await PackAsync("Old", "scraper", 10, 1_000, active: false);
        await PackAsync("Chat 500", "interaction", 500, 20_000);

        var packs = (await _w.H.Api.CreateClient().GetFromJsonAsync<JsonElement>("/api/credit-packs")).GetProperty("credit_packs");

        Assert.Equal(["Chat 500", "Top-up 1K"], packs.EnumerateArray().Select(p => p.GetProperty("name").GetString()));
        Assert.Equal("interaction", packs[0].GetProperty("credit_type").GetString());
        Assert.Equal(500, packs[0].GetProperty("credits").GetInt64());
    }

    [Fact]
    public async Task A_paid_pack_adds_its_credits_once_to_the_balance_with_its_event_and_notification()
    {
        await _w.H.Db.ExecAsync("SELECT add_scraper_credits('u_pack', 120, 'earlier', 'earlier grant')");

        var (res, body) = await BuyAsync("u_pack", _pack);

        Assert.Equal(HttpStatusCode.Created, res.StatusCode);
        var invoice = body.GetProperty("invoice");
        var id = Guid.Parse(invoice.GetProperty("id").GetString()!);
        Assert.Equal("credit_pack", invoice.GetProperty("kind").GetString());
        Assert.Equal("pending", invoice.GetProperty("status").GetString());
        // The composer's total: 50,000 + 11% exclusive PPN.
        Assert.Equal(55_500, invoice.GetProperty("amount").GetInt64());
        Assert.Equal(55_500, await _w.H.Db.ScalarAsync<long>("SELECT amount FROM billing_compose_invoice(50000, 0, '{\"rate\": 11, \"inclusive\": false}')"));
        Assert.Equal(invoice.GetProperty("invoice_url").GetString(), body.GetProperty("invoice_url").GetString());
        Assert.Contains("/pay/", body.GetProperty("payment_url").GetString(), StringComparison.Ordinal);
        Assert.Equal("credit_pack|true|1", await _w.H.Db.ScalarAsync<string>(
            "SELECT i.kind || '|' || (i.subscription_id IS NULL) || '|' || (SELECT count(*) FROM payments p WHERE p.invoice_id = i.id) FROM invoices i WHERE i.id = $1", id));
        Assert.Equal(0, await _w.H.Db.ScalarAsync<long>("SELECT count(*) FROM subscriptions WHERE user_id = 'u_pack'"));

        Assert.Equal(HttpStatusCode.OK, (await _w.PayLatestAsync("u_pack")).StatusCode);

        Assert.Equal("paid", await _w.H.Db.ScalarAsync<string>("SELECT status FROM invoices WHERE id = $1", id));
        Assert.Equal(1_120, await _w.BalanceAsync("u_pack", "scraper")); // added, not reset
        Assert.Equal(0, await _w.BalanceAsync("u_pack", "interaction"));
        Assert.Equal(1, await LedgerRowsAsync(id));
        Assert.Equal(1, await _w.H.Db.ScalarAsync<long>(
            "SELECT count(*) FROM events WHERE type = 'credits.granted' AND data->'object'->>'reference_id' = $1", id.ToString()));
        Assert.Equal(1, await _w.H.Db.ScalarAsync<long>("SELECT count(*) FROM events WHERE type = 'invoice.paid' AND data->'object'->>'id' = $1", id.ToString()));
        Assert.Equal("Paket kredit Anda sudah aktif", await _w.H.Db.ScalarAsync<string>(
            "SELECT string_agg(title, ',') FROM notifications WHERE user_id = 'u_pack' AND type = 'credit_pack_paid'"));
        Assert.Contains("1.000 kredit dari paket Top-up 1K", await _w.H.Db.ScalarAsync<string>(
            "SELECT message FROM notifications WHERE user_id = 'u_pack' AND type = 'credit_pack_paid'"), StringComparison.Ordinal);

        // The same callback again, and the grant called again directly as if another attempt had paid: nothing more.
        Assert.Equal(HttpStatusCode.OK, (await _w.H.DeliverAsync(_w.H.StandIn.Act(
            await _w.H.Db.ScalarAsync<string>("SELECT reference_id FROM payments WHERE invoice_id = $1", id), "pay"))).StatusCode);
        await _w.H.Db.ExecAsync("SELECT billing_grant_paid_invoice($1, gen_random_uuid(), 'x', NULL, now())", id);
        Assert.Equal(1, await LedgerRowsAsync(id));
        Assert.Equal(1_120, await _w.BalanceAsync("u_pack", "scraper"));
    }

    [Fact]
    public async Task A_pack_paid_by_racing_callbacks_of_two_attempts_and_repeated_callbacks_grants_its_credits_once()
    {
        var (_, body) = await BuyAsync("u_race", _pack);
        var id = Guid.Parse(body.GetProperty("invoice").GetProperty("id").GetString()!);
        _w.H.Api.Clock.Advance(TimeSpan.FromHours(30)); // the first link is past its time: pay now makes attempt 2
        Assert.Equal(HttpStatusCode.OK, (await _w.As("u_race").PostAsync($"/api/invoices/{id}/pay", null)).StatusCode);
        var references = (await _w.H.Db.ScalarAsync<string>(
            "SELECT string_agg(reference_id, ',' ORDER BY attempt_number) FROM payments WHERE invoice_id = $1", id)).Split(',');
        Assert.Equal(2, references.Length);

        // The customer paid both links; each callback arrives three times at once.
        var callbacks = references.Select(r => _w.H.StandIn.Act(r, "pay")).ToList();
        var answers = await Task.WhenAll(callbacks.SelectMany(cb => Enumerable.Range(0, 3).Select(_ => _w.H.DeliverAsync(cb))));

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.StatusCode));
        Assert.Equal("paid", await _w.H.Db.ScalarAsync<string>("SELECT status FROM invoices WHERE id = $1", id));
        Assert.Equal(1, await LedgerRowsAsync(id));
        Assert.Equal(1_000, await _w.BalanceAsync("u_race", "scraper"));
        Assert.Equal(1, await _w.H.Db.ScalarAsync<long>("SELECT count(*) FROM notifications WHERE user_id = 'u_race' AND type = 'credit_pack_paid'"));
        // The second payment is kept and flagged for a person, never granted.
        Assert.Equal(1, await _w.H.Db.ScalarAsync<long>("SELECT count(*) FROM payments WHERE invoice_id = $1 AND status = 'paid' AND oddity IS NULL", id));
        Assert.Equal(1, await _w.H.Db.ScalarAsync<long>("SELECT count(*) FROM billing_logs WHERE event_type = 'payment_oddity' AND user_id = 'u_race'"));
    }

    [Fact]
    public async Task At_most_three_open_pack_invoices_per_user_however_many_purchases_race()
    {
        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => BuyAsync("u_many", _pack)));

        Assert.Equal(3, answers.Count(a => a.Response.StatusCode == HttpStatusCode.Created));
        Assert.All(answers.Where(a => a.Response.StatusCode != HttpStatusCode.Created), a =>
        {
            Assert.Equal(HttpStatusCode.Conflict, a.Response.StatusCode);
            Assert.Equal("TOO_MANY_OPEN_INVOICES", a.Body.GetProperty("code").GetString());
        });
        Assert.Equal(3, await _w.H.Db.ScalarAsync<long>("SELECT count(*) FROM invoices WHERE user_id = 'u_many' AND kind = 'credit_pack'"));

        // Paying one frees a place.
        await _w.PayLatestAsync("u_many");
        Assert.Equal(HttpStatusCode.Created, (await BuyAsync("u_many", _pack)).Response.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await BuyAsync("u_many", _pack)).Response.StatusCode);
    }

    [Fact]
    public async Task Unknown_inactive_or_malformed_packs_are_404_and_change_nothing_and_a_key_repeats_the_first_answer()
    {
        var inactive = await PackAsync("Gone", "scraper", 10, 1_000, active: false);
        foreach (var path in new[] { $"/api/credit-packs/{Guid.NewGuid()}/purchase", $"/api/credit-packs/{inactive}/purchase", "/api/credit-packs/nope/purchase" })
        {
            var res = await _w.As("u_bad").PostAsync(path, null);
            Assert.Equal(HttpStatusCode.NotFound, res.StatusCode);
            Assert.Equal("PACK_NOT_FOUND", (await LifecycleWorld.JsonAsync(res)).GetProperty("code").GetString());
        }
        Assert.Equal(0, await _w.H.Db.ScalarAsync<long>("SELECT count(*) FROM invoices WHERE user_id = 'u_bad'"));
        Assert.Equal(HttpStatusCode.Unauthorized, (await _w.H.Api.CreateClient().PostAsync($"/api/credit-packs/{_pack}/purchase", null)).StatusCode);

        // A user the web app never wrote to users: written, as checkout does, and the purchase goes through.
        Assert.Equal(0, await _w.H.Db.ScalarAsync<long>("SELECT count(*) FROM users WHERE id = 'u_fresh'"));
        var first = await BuyAsync("u_fresh", _pack, key: "pack-1");
        var repeat = await BuyAsync("u_fresh", _pack, key: "pack-1");
        Assert.Equal(HttpStatusCode.Created, first.Response.StatusCode);
        Assert.Equal(first.Body.GetProperty("invoice").GetProperty("id").GetString(), repeat.Body.GetProperty("invoice").GetProperty("id").GetString());
        Assert.Equal(1, await _w.H.Db.ScalarAsync<long>("SELECT count(*) FROM invoices WHERE user_id = 'u_fresh'"));
        Assert.Equal(1, await _w.H.Db.ScalarAsync<long>("SELECT count(*) FROM users WHERE id = 'u_fresh'"));
    }

    [Fact]
    public async Task An_unpaid_pack_expires_with_its_link_and_is_withdrawn_by_housekeeping_without_credits()
    {
        var (_, body) = await BuyAsync("u_late", _pack);
        var id = Guid.Parse(body.GetProperty("invoice").GetProperty("id").GetString()!);
        _w.H.Api.Clock.Advance(TimeSpan.FromDays(2));

        await _w.H.RenewAsync(); // its reconciliation expires the dead link
        var housekeeping = await LifecycleWorld.JsonAsync(await _w.H.Api.Cron().PostAsync("/api/billing/housekeeping", null));

        Assert.Equal(1, housekeeping.GetProperty("reconciliation").GetProperty("credit_packs_expired").GetInt32());
        Assert.Equal("cancelled", await _w.H.Db.ScalarAsync<string>("SELECT status FROM invoices WHERE id = $1", id));
        Assert.Equal(0, await _w.H.Db.ScalarAsync<long>("SELECT count(*) FROM credit_transactions WHERE user_id = 'u_late'"));
        var pay = await _w.As("u_late").PostAsync($"/api/invoices/{id}/pay", null);
        Assert.Equal("INVOICE_NOT_OPEN", (await LifecycleWorld.JsonAsync(pay)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_manual_payment_grants_the_pack_and_a_half_refund_revokes_half_its_credits()
    {
        var (_, body) = await BuyAsync("u_bank", _pack);
        var id = Guid.Parse(body.GetProperty("invoice").GetProperty("id").GetString()!);
        var op = _w.H.Api.ClientFor(_w.H.Api.Tokens.Admin("op_1"));

        var recorded = await op.PostAsJsonAsync($"/api/admin/invoices/{id}/payments",
            new { method = "bank_transfer", reference = "BCA-1", amount = 55_500, note = "transfer seen" });
        Assert.Equal(HttpStatusCode.Created, recorded.StatusCode);
        Assert.Equal(1_000, await _w.BalanceAsync("u_bank", "scraper"));
        Assert.Equal(1, await LedgerRowsAsync(id));

        var refund = await op.PostAsJsonAsync($"/api/admin/invoices/{id}/refunds",
            new { amount = 27_750, reason = "half unused", revoke_credits = true, cancel_subscription = true });
        Assert.Equal(HttpStatusCode.Created, refund.StatusCode);
        Assert.Equal(500, await _w.BalanceAsync("u_bank", "scraper"));
        Assert.Equal("paid|27750", await _w.H.Db.ScalarAsync<string>("SELECT status || '|' || refunded_amount FROM invoices WHERE id = $1", id));
        Assert.Equal(0, await _w.H.Db.ScalarAsync<long>("SELECT count(*) FROM subscriptions WHERE user_id = 'u_bank'"));
    }

    [Fact]
    public async Task The_pay_page_and_the_PDF_show_the_pack_line_and_no_period()
    {
        var (_, body) = await BuyAsync("u_page", _pack);
        var token = body.GetProperty("invoice_url").GetString()!.Split("/pay/")[1];
        var client = _w.H.Api.CreateClient();

        var page = await client.GetStringAsync($"/pay/{token}");
        Assert.Contains("Paket kredit Top-up 1K: 1.000 kredit scraper", page, StringComparison.Ordinal);
        Assert.Contains("Bayar sekarang", page, StringComparison.Ordinal);
        Assert.DoesNotContain("Periode", page, StringComparison.Ordinal);
        Assert.Contains("Credit pack Top-up 1K: 1,000 scraper credits", await client.GetStringAsync($"/pay/{token}?lang=en"), StringComparison.Ordinal);

        await _w.PayLatestAsync("u_page");
        using var document = PdfDocument.Open(await client.GetByteArrayAsync($"/pay/{token}/invoice.pdf"));
        var text = string.Join(" ", document.GetPages().SelectMany(p => p.GetWords()).Select(w => w.Text));
        Assert.Contains("Paket kredit Top-up 1K: 1.000 kredit scraper Rp50.000", text, StringComparison.Ordinal);
        Assert.Contains("Total Rp55.500", text, StringComparison.Ordinal);
        Assert.Contains("Lunas", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Periode", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_admin_creates_a_pack_and_a_customer_may_not()
    {
        var op = _w.H.Api.ClientFor(_w.H.Api.Tokens.Admin("op_1"));

        var created = await op.PostAsJsonAsync("/api/admin/credit-packs", new { name = "Chat 2K", credit_type = "interaction", credits = 2_000, price = 75_000 });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var pack = await LifecycleWorld.JsonAsync(created);
        Assert.True(pack.GetProperty("is_active").GetBoolean());
        Assert.Equal(HttpStatusCode.Created, (await BuyAsync("u_chat", Guid.Parse(pack.GetProperty("id").GetString()!))).Response.StatusCode);

        foreach (var bad in new object[]
                 {
                     new { name = "", credit_type = "scraper", credits = 1, price = 1 },
                     new { name = "X", credit_type = "gold", credits = 1, price = 1 },
                     new { name = "X", credit_type = "scraper", credits = 0, price = 1 },
                     new { name = "X", credit_type = "scraper", credits = 1, price = -5 },
                 })
        {
            var res = await op.PostAsJsonAsync("/api/admin/credit-packs", bad);
            Assert.Equal(HttpStatusCode.BadRequest, res.StatusCode);
        }
        // Under BILLING_MIN_CHARGE (Rp5.000): a pack is never waived, so it could never be paid.
        var cheap = await op.PostAsJsonAsync("/api/admin/credit-packs", new { name = "Cheap", credit_type = "scraper", credits = 10, price = 4_999 });
        Assert.Equal(HttpStatusCode.BadRequest, cheap.StatusCode);
        Assert.Equal("INVALID_AMOUNT", (await LifecycleWorld.JsonAsync(cheap)).GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.Forbidden, (await _w.As("u_chat").PostAsJsonAsync("/api/admin/credit-packs",
            new { name = "Free", credit_type = "scraper", credits = 1, price = 1 })).StatusCode);
        var hidden = await op.PostAsJsonAsync("/api/admin/credit-packs", new { name = "Later", credit_type = "scraper", credits = 5, price = 5_000, is_active = false });
        Assert.False((await LifecycleWorld.JsonAsync(hidden)).GetProperty("is_active").GetBoolean());
        Assert.Equal(3, await _w.H.Db.ScalarAsync<long>("SELECT count(*) FROM credit_packs"));
        Assert.Equal(2, (await _w.H.Api.CreateClient().GetFromJsonAsync<JsonElement>("/api/credit-packs")).GetProperty("credit_packs").GetArrayLength());
    }
}
