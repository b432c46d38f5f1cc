using System.Net;
using BillingCycle.Api.Deliveries.Email;
using BillingCycle.IntegrationTests.Subscriptions;

namespace BillingCycle.IntegrationTests.Deliveries;

/// <summary>
/// In-app notifications are written in the service's locale (BILLING_LOCALE, contract §8.2), in
/// the words of the email template files: notify() fills the captures the service published.
/// </summary>
public sealed class NotificationWordsTests
{
    [Theory]
    [InlineData("en", "Your subscription is active", "We received your payment of IDR 149,000 and your Pro subscription is now active until {0}.")]
    [InlineData("id", "Langganan Anda sudah aktif", "Pembayaran sebesar Rp149.000 sudah kami terima dan langganan Pro Anda kini aktif sampai {0}.")]
    public async Task A_paid_checkouts_notification_speaks_the_service_locale(string locale, string title, string message)
    {
        await using var w = await LifecycleWorld.StartAsync(new() { ["BILLING_LOCALE"] = locale });
        await w.CheckoutAsync("u_words", w.Pro);
        Assert.Equal(HttpStatusCode.OK, (await w.PayLatestAsync("u_words")).StatusCode);

        var periodEnd = await w.H.Db.ScalarAsync<DateTime>("SELECT period_end FROM invoices WHERE user_id = 'u_words'");
        var date = LocaleFormat.Date(new DateTimeOffset(periodEnd, TimeSpan.Zero), locale == "en" ? EmailLocale.English : EmailLocale.Indonesian, BillingCycle.Api.Infrastructure.Time.CustomerTime.Jakarta);
        Assert.Equal($"{title}|{string.Format(System.Globalization.CultureInfo.InvariantCulture, message, date)}",
            await w.H.Db.ScalarAsync<string>("SELECT title || '|' || message FROM notifications WHERE user_id = 'u_words' AND type = 'subscription_activated'"));
    }
}
