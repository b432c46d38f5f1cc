using System.Net.Http.Json;
using System.Text.Json;
using BillingCycle.IntegrationTests.Infrastructure;
using BillingCycle.TestSupport;

namespace BillingCycle.IntegrationTests.Subscriptions;

/// <summary>A billing world with two plans and helpers to drive the lifecycle API as the web app would.</summary>
public sealed class LifecycleWorld : IAsyncDisposable
{
    private LifecycleWorld(BillingHarness h, Guid starter, Guid pro) => (H, Starter, Pro) = (h, starter, pro);

    public BillingHarness H { get; }
    public Guid Starter { get; }
    public Guid Pro { get; }

    public static async Task<LifecycleWorld> StartAsync(Dictionary<string, string?>? settings = null, bool kestrel = false)
    {
        var h = await BillingHarness.StartAsync(settings, kestrel: kestrel);
        var starter = await Seed.PlanAsync(h.Db, 49_000, 200, 100, "Starter");
        var pro = await Seed.PlanAsync(h.Db, 149_000, 1_000, 500, "Pro");
        return new LifecycleWorld(h, starter, pro);
    }

    public HttpClient As(string user) => H.Api.ClientFor(H.Api.Tokens.Issue(user));

    public static async Task<JsonElement> JsonAsync(HttpResponseMessage res) => await res.Content.ReadFromJsonAsync<JsonElement>();

    public async Task<(HttpResponseMessage Response, JsonElement Body)> CheckoutAsync(string user, Guid plan)
    {
        var res = await As(user).PostAsJsonAsync("/api/subscriptions", new { plan_id = plan });
        return (res, await JsonAsync(res));
    }

    /// <summary>The customer pays the newest live link of the user's open invoice at the stand-in; the callback arrives.</summary>
    public async Task<HttpResponseMessage> PayLatestAsync(string user, string action = "pay")
    {
        var reference = await H.Db.ScalarAsync<string>("""
            SELECT p.reference_id FROM payments p JOIN invoices i ON i.id = p.invoice_id
             WHERE i.user_id = $1 AND p.status = 'pending' AND p.session_id IS NOT NULL
             ORDER BY p.created_at DESC, p.attempt_number DESC LIMIT 1
            """, user);
        return await H.DeliverAsync(H.StandIn.Act(reference, action));
    }

    public Task<string> StatusAsync(string user) =>
        H.Db.ScalarAsync<string>("SELECT status FROM subscriptions WHERE user_id = $1 ORDER BY created_at DESC LIMIT 1", user);

    public Task<long> BalanceAsync(string user, string type) =>
        H.Db.ScalarAsync<long>("SELECT get_credit_balance($1, $2)", user, type);

    public ValueTask DisposeAsync() => H.DisposeAsync();
}
