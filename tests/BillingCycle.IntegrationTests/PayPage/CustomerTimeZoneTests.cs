using System.Text.Json;
using AngleSharp.Html.Parser;
using BillingCycle.Api.Deliveries;
using BillingCycle.Api.Deliveries.Email;
using BillingCycle.Api.Infrastructure.Time;
using BillingCycle.IntegrationTests.Subscriptions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace BillingCycle.IntegrationTests.PayPage;

/// <summary>
/// Customers read WIB (BILLING_TIME_ZONE, default Asia/Jakarta): a link due at 19:00 UTC is due at
/// 02:00 WIB the next day, in the payment-due email and on the pay page; the database keeps UTC.
/// </summary>
public sealed class CustomerTimeZoneTests : IAsyncLifetime
{
    private LifecycleWorld _w = null!;

    public async Task InitializeAsync() => _w = await LifecycleWorld.StartAsync();

    public async Task DisposeAsync() => await _w.DisposeAsync();

    [Fact]
    public async Task A_link_due_at_19_00_UTC_reads_02_00_WIB_of_the_next_day_in_the_email_and_on_the_pay_page()
    {
        await _w.CheckoutAsync("u_wib", _w.Pro);
        await _w.H.Db.ExecAsync("""
            UPDATE payments p SET expires_at = '2026-12-21T19:00:00Z'
              FROM invoices i WHERE i.id = p.invoice_id AND i.user_id = 'u_wib' AND p.status = 'pending'
            """);
        var token = await _w.H.Db.ScalarAsync<string>("SELECT public_token FROM invoices WHERE user_id = 'u_wib'");
        var zone = _w.H.Api.Services.GetRequiredService<CustomerTime>();

        var html = await _w.H.Api.CreateClient().GetStringAsync($"/pay/{token}");
        var due = new HtmlParser().ParseDocument(html).QuerySelector("dd.due")!.TextContent.Trim();
        var en = new HtmlParser().ParseDocument(await _w.H.Api.CreateClient().GetStringAsync($"/pay/{token}?lang=en"))
            .QuerySelector("dd.due")!.TextContent.Trim();

        var renderer = _w.H.Api.Services.GetRequiredService<EmailRenderer>();
        var item = new EmailItem(Guid.NewGuid(), "billing_payment_due", "Payment due", "Due.",
            JsonDocument.Parse("""{"expires_at": "2026-12-21T19:00:00Z", "invoice_url": "https://billing.test/pay/t"}""").RootElement,
            DateTimeOffset.Parse("2026-12-20T19:00:00Z"), "u_wib", "wib@example.com", "Wulan", "INV-202612-000001", 149_000,
            DateTimeOffset.Parse("2026-12-20T19:00:00Z"), DateTimeOffset.Parse("2027-01-20T19:00:00Z"), "Pro", 149_000, null);
        var email = renderer.Render(item.Type, EmailLocale.Indonesian, EmailModel.From(item, EmailLocale.Indonesian, null, null, zone));

        Assert.Equal("22 Desember 2026, 02:00 WIB", due);
        Assert.Equal("22 December 2026, 02:00 WIB", en);
        Assert.Contains("Bayar sebelum: 22 Desember 2026, 02:00 WIB", email.Text, StringComparison.Ordinal);
        Assert.Contains("22 Desember 2026, 02:00 WIB", email.Html, StringComparison.Ordinal);
        // A period that starts at 19:00 UTC starts on the next day for the customer, too.
        Assert.Contains("Periode: 21 Desember 2026 – 21 Januari 2027", email.Text, StringComparison.Ordinal);
        Assert.Equal(new DateTime(2026, 12, 21, 19, 0, 0, DateTimeKind.Utc), await _w.H.Db.ScalarAsync<DateTime>(
            "SELECT p.expires_at FROM payments p JOIN invoices i ON i.id = p.invoice_id WHERE i.user_id = 'u_wib' AND p.status = 'pending'"));
    }

    [Fact]
    public void Another_zone_is_named_and_a_wrong_one_stops_start_up()
    {
        var config = (string? v) => new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["BILLING_TIME_ZONE"] = v }).Build();
        var at = new DateTimeOffset(2026, 12, 21, 19, 0, 0, TimeSpan.Zero);

        Assert.Equal("22 Desember 2026, 03:00 WITA", CustomerTime.FromConfiguration(config("Asia/Makassar")).DateTime(at, english: false));
        Assert.Equal("22 December 2026, 04:00 WIT", CustomerTime.FromConfiguration(config("Asia/Jayapura")).DateTime(at, english: true));
        Assert.Equal("21 December 2026, 19:00 UTC", CustomerTime.FromConfiguration(config("UTC")).DateTime(at, english: true));
        Assert.Equal("22 Desember 2026, 02:00 WIB", CustomerTime.FromConfiguration(config(null)).DateTime(at, english: false));
        var e = Assert.Throws<BillingCycle.Api.Infrastructure.StartupException>(() => { _ = CustomerTime.FromConfiguration(config("Mars/Olympus")); });
        Assert.Contains("BILLING_TIME_ZONE", e.Message, StringComparison.Ordinal);
    }
}
