using System.Net.Http.Json;
using System.Text.Json;
using BillingCycle.IntegrationTests.Subscriptions;

namespace BillingCycle.IntegrationTests.Coupons;

/// <summary>A lifecycle world with an admin who creates coupons and customers who redeem them (contract §11.3).</summary>
public sealed class CouponWorld : IAsyncDisposable
{
    private CouponWorld(LifecycleWorld w) => W = w;

    public LifecycleWorld W { get; }

    public static async Task<CouponWorld> StartAsync(Dictionary<string, string?>? settings = null) =>
        new(await LifecycleWorld.StartAsync(settings));

    public HttpClient Admin() => W.H.Api.ClientFor(W.H.Api.Tokens.Admin("op_coupons"));

    public Task<HttpResponseMessage> CreateAsync(object body) => Admin().PostAsJsonAsync("/api/admin/coupons", body);

    /// <summary>Creates a coupon that must be accepted; its id.</summary>
    public async Task<Guid> CouponAsync(object body)
    {
        var res = await CreateAsync(body);
        res.EnsureSuccessStatusCode();
        return (await LifecycleWorld.JsonAsync(res)).GetProperty("id").GetGuid();
    }

    public async Task<(HttpResponseMessage Response, JsonElement Body)> CheckoutAsync(string user, Guid plan, string? code)
    {
        var res = await W.As(user).PostAsJsonAsync("/api/subscriptions", new { plan_id = plan, coupon_code = code });
        return (res, await LifecycleWorld.JsonAsync(res));
    }

    public async Task<(HttpResponseMessage Response, JsonElement Body)> RedeemAsync(string user, string code)
    {
        var res = await W.As(user).PostAsJsonAsync("/api/subscriptions/current/coupon", new { coupon_code = code });
        return (res, await LifecycleWorld.JsonAsync(res));
    }

    /// <summary>Checks out (with a code) and pays the first invoice.</summary>
    public async Task SubscribeAsync(string user, Guid plan, string? code)
    {
        var (res, _) = await CheckoutAsync(user, plan, code);
        res.EnsureSuccessStatusCode();
        if (await W.StatusAsync(user) == "incomplete")
        {
            (await W.PayLatestAsync(user)).EnsureSuccessStatusCode();
        }
    }

    /// <summary>A month on, the renewal, and the invoice paid when it asks for money.</summary>
    public async Task RenewAndPayAsync(string user)
    {
        W.H.Api.Clock.Advance(TimeSpan.FromDays(31));
        await W.H.RenewAsync();
        if (await W.H.Db.ScalarAsync<long>("SELECT count(*) FROM invoices WHERE user_id = $1 AND status = 'pending'", user) > 0)
        {
            (await W.PayLatestAsync(user)).EnsureSuccessStatusCode();
        }
    }

    /// <summary>Every invoice of the user, oldest first: "amount/discount" (discount "-" when none).</summary>
    public Task<string> InvoicesAsync(string user) => W.H.Db.ScalarAsync<string>("""
        SELECT string_agg(amount || '/' || coalesce(line_items->'discount'->>'amount', '-') || '/' || status, ' '
                          ORDER BY period_start, created_at)
          FROM invoices WHERE user_id = $1
        """, user);

    public static async Task<string?> CodeAsync(HttpResponseMessage res) =>
        (await res.Content.ReadFromJsonAsync<JsonElement>()).TryGetProperty("code", out var c) ? c.GetString() : null;

    public ValueTask DisposeAsync() => W.DisposeAsync();
}
