using System.Net.Http.Json;
using BillingCycle.IntegrationTests.Console;
using BillingCycle.IntegrationTests.Subscriptions;

namespace BillingCycle.IntegrationTests.Tax;

/// <summary>
/// A billing world with PPN as PMK 131/2024 has it (12 % of DPP nilai lain 11/12, prices exclusive),
/// the seller's tax identity, and buyers who save their billing details and pay through iPaymu's stand-in.
/// </summary>
public sealed class TaxWorld : IAsyncDisposable
{
    public const string SellerNpwpTyped = "01.234.567.8-901.000";
    public const string SellerNpwp = "0012345678901000";

    private TaxWorld(LifecycleWorld w) => W = w;

    public LifecycleWorld W { get; }

    public static async Task<TaxWorld> StartAsync(Dictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["BILLING_TAX_PERCENT"] = "12", ["BILLING_TAX_OTHER_BASE"] = "11/12", ["BILLING_PRICES_INCLUDE_TAX"] = "false",
            ["BILLING_SELLER_NAME"] = "PT Contoh Jaya", ["BILLING_SELLER_NPWP"] = SellerNpwpTyped,
        };
        foreach (var (k, v) in extra ?? [])
        {
            settings[k] = v;
        }
        return new TaxWorld(await LifecycleWorld.StartAsync(settings));
    }

    public Task<HttpResponseMessage> PutDetailsAsync(string user, object body) =>
        W.As(user).PutAsJsonAsync("/api/billing-details", body);

    /// <summary>The user checks out Pro and pays; the invoice's id.</summary>
    public async Task<Guid> PaidInvoiceAsync(string user)
    {
        var (res, _) = await W.CheckoutAsync(user, W.Pro);
        res.EnsureSuccessStatusCode();
        (await W.PayLatestAsync(user)).EnsureSuccessStatusCode();
        return await W.H.Db.ScalarAsync<Guid>("SELECT id FROM invoices WHERE user_id = $1 AND status = 'paid'", user);
    }

    public Task<ConsoleSession> AdminAsync() => ConsoleSession.SignInAsync(W.H.Api, W.H.Api.Tokens.Admin("user_operator_ayu"));

    public ValueTask DisposeAsync() => W.DisposeAsync();
}
