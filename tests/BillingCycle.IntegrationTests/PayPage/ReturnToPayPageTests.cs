using System.Net;
using AngleSharp.Html.Parser;
using BillingCycle.IntegrationTests.Subscriptions;

namespace BillingCycle.IntegrationTests.PayPage;

/// <summary>
/// iPaymu sends the customer back to returnUrl, the web app (SPEC §2), which carries the invoice's
/// pay page (SPEC §7.6) as invoice_url; the local stand-in, where no web app runs, follows it to the
/// pay page, which then says "Lunas".
/// </summary>
public sealed class ReturnToPayPageTests
{
    [Fact]
    public async Task After_paying_on_the_stand_in_s_page_the_customer_lands_on_the_pay_page_which_says_Lunas()
    {
        await using var w = await LifecycleWorld.StartAsync();
        await w.CheckoutAsync("u_return", w.Pro);
        var token = await w.H.Db.ScalarAsync<string>("SELECT public_token FROM invoices WHERE user_id = 'u_return'");
        var reference = await w.H.Db.ScalarAsync<string>(
            "SELECT p.reference_id FROM payments p JOIN invoices i ON i.id = p.invoice_id WHERE i.user_id = 'u_return'");
        var payment = w.H.StandIn.ByReference(reference)!;
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = w.H.StandIn.BaseUrl };

        // What our client asked iPaymu for: the web app (SPEC §2), carrying the pay page.
        var payPage = $"https://billing.test/pay/{token}";
        Assert.Equal($"https://app.billing.test/billing?payment=success&invoice_url={Uri.EscapeDataString(payPage)}", payment.ReturnUrl);

        // The stand-in's page for this payment: its "pay" button posts, and the answer sends the browser back.
        var page = new HtmlParser().ParseDocument(await browser.GetStringAsync($"/pay/{payment.SessionId}"));
        var pay = page.QuerySelectorAll("form").Single(f => f.GetAttribute("action")!.Contains("/pay?", StringComparison.Ordinal));
        // The stand-in's callback goes to notifyUrl (https://billing.test, not reachable here): it is delivered by hand below.
        var answer = await browser.PostAsync(pay.GetAttribute("action") + "&deliver=false", null);
        Assert.Equal(HttpStatusCode.Redirect, answer.StatusCode);
        Assert.Equal(payPage, answer.Headers.Location!.ToString());
        (await w.H.DeliverAsync(w.H.StandIn.Callbacks.Build(payment))).EnsureSuccessStatusCode();

        var landed = new HtmlParser().ParseDocument(await w.H.Api.CreateClient().GetStringAsync(answer.Headers.Location!.PathAndQuery));
        Assert.Equal("Lunas", landed.QuerySelector(".status")!.TextContent.Trim());

        // Coming back to the stand-in's page later, the way back is a link.
        var after = new HtmlParser().ParseDocument(await browser.GetStringAsync($"/pay/{payment.SessionId}"));
        Assert.Equal(payPage, after.QuerySelector("a#return")!.GetAttribute("href"));
    }
}
