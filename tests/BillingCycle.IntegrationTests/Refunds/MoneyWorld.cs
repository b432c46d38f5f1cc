using System.Net.Http.Json;
using System.Text.Json;
using BillingCycle.IntegrationTests.Subscriptions;

namespace BillingCycle.IntegrationTests.Refunds;

/// <summary>A lifecycle world with an operator (an admin token) who records payments and refunds (contract §13).</summary>
public sealed class MoneyWorld : IAsyncDisposable
{
    private MoneyWorld(LifecycleWorld w) => W = w;

    public LifecycleWorld W { get; }

    public static async Task<MoneyWorld> StartAsync(Dictionary<string, string?>? settings = null) =>
        new(await LifecycleWorld.StartAsync(settings));

    public HttpClient Operator(string id = "op_1") => W.H.Api.ClientFor(W.H.Api.Tokens.Admin(id));

    /// <summary>A Pro checkout (149,000; 1,000 interaction and 500 scraper credits), paid on the stand-in unless told otherwise.</summary>
    public async Task<Guid> InvoiceAsync(string user, bool pay = true)
    {
        await W.CheckoutAsync(user, W.Pro);
        if (pay)
        {
            (await W.PayLatestAsync(user)).EnsureSuccessStatusCode();
        }
        return await W.H.Db.ScalarAsync<Guid>("SELECT id FROM invoices WHERE user_id = $1 ORDER BY created_at DESC LIMIT 1", user);
    }

    public Task<HttpResponseMessage> RefundAsync(Guid invoice, object body, string? key = null, HttpClient? client = null)
    {
        var req = new HttpRequestMessage(HttpMethod.Post, $"/api/admin/invoices/{invoice}/refunds") { Content = JsonContent.Create(body) };
        if (key is not null)
        {
            req.Headers.Add("Idempotency-Key", key);
        }
        return (client ?? Operator()).SendAsync(req);
    }

    public Task<HttpResponseMessage> RecordAsync(Guid invoice, object body, HttpClient? client = null) =>
        (client ?? Operator()).PostAsJsonAsync($"/api/admin/invoices/{invoice}/payments", body);

    public static async Task<string?> CodeAsync(HttpResponseMessage res) =>
        (await res.Content.ReadFromJsonAsync<JsonElement>()).TryGetProperty("code", out var c) ? c.GetString() : null;

    public ValueTask DisposeAsync() => W.DisposeAsync();
}
