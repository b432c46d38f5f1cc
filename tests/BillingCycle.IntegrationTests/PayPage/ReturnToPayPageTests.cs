using System.Net;
using AngleSharp.Html.Parser;
using BillingCycle.IntegrationTests.Subscriptions;

namespace BillingCycle.IntegrationTests.PayPage;

/// <summary>
/// iPaymu sends the customer back to returnUrl, the web app (contract §2), naming the invoice by its id
/// and never by its pay page's token (contract §10.4); the app looks the invoice up and shows its
/// invoice_url, the pay page (contract §7.6), which then says "Lunas".
/// </summary>
public sealed class ReturnToPayPageTests
{
    [Fact]
    public async Task After_paying_the_customer_returns_to_the_app_with_the_invoice_id_not_its_token_and_its_pay_page_says_Lunas()
    {
        await using var w = await LifecycleWorld.StartAsync();
        await w.CheckoutAsync("u_return", w.Pro);
        var token = await w.H.Db.ScalarAsync<string>("SELECT public_token FROM invoices WHERE user_id = 'u_return'");
        var reference = await w.H.Db.ScalarAsync<string>(
            "SELECT p.reference_id FROM payments p JOIN invoices i ON i.id = p.invoice_id WHERE i.user_id = 'u_return'");
        var payment = w.H.StandIn.ByReference(reference)!;
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = w.H.StandIn.BaseUrl };

        // What our client asked iPaymu for: the web app (contract §2) with the invoice's id, not its token.
        var invoiceId = await w.H.Db.ScalarAsync<Guid>("SELECT id FROM invoices WHERE user_id = 'u_return'");
        var payPage = $"https://billing.test/pay/{token}";
        var app = $"https://app.billing.test/billing?payment=success&invoice_id={invoiceId}";
        Assert.Equal(app, payment.ReturnUrl);
        Assert.DoesNotContain(token, payment.ReturnUrl!, StringComparison.Ordinal);

        // The stand-in's page for this payment: its "pay" button posts, and the answer sends the browser back.
        var page = new HtmlParser().ParseDocument(await browser.GetStringAsync($"/pay/{payment.SessionId}"));
        var pay = page.QuerySelectorAll("form").Single(f => f.GetAttribute("action")!.Contains("/pay?", StringComparison.Ordinal));
        // The stand-in's callback goes to notifyUrl (https://billing.test, not reachable here): it is delivered by hand below.
        var answer = await browser.PostAsync(pay.GetAttribute("action") + "&deliver=false", null);
        Assert.Equal(HttpStatusCode.Redirect, answer.StatusCode);
        Assert.Equal(app, answer.Headers.Location!.ToString());
        (await w.H.DeliverAsync(w.H.StandIn.Callbacks.Build(payment))).EnsureSuccessStatusCode();

        // The web app finds the invoice by the id in its query and shows its pay page.
        var invoice = await LifecycleWorld.JsonAsync(await w.As("u_return").GetAsync($"/api/invoices/{invoiceId}"));
        Assert.Equal(payPage, invoice.GetProperty("invoice_url").GetString());
        var landed = new HtmlParser().ParseDocument(await w.H.Api.CreateClient().GetStringAsync(new Uri(payPage).PathAndQuery));
        Assert.Equal("Lunas", landed.QuerySelector(".status")!.TextContent.Trim());

        // Coming back to the stand-in's page later, the way back is a link.
        var after = new HtmlParser().ParseDocument(await browser.GetStringAsync($"/pay/{payment.SessionId}"));
        Assert.Equal(app, after.QuerySelector("a#return")!.GetAttribute("href"));
    }
}
