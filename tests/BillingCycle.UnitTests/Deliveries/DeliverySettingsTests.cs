using BillingCycle.Api.Deliveries;
using BillingCycle.Api.Deliveries.AppWebhooks;
using BillingCycle.Api.Deliveries.Email;
using BillingCycle.Api.Deliveries.Reminders;
using BillingCycle.Api.Infrastructure;
using MailKit.Security;
using Microsoft.Extensions.Configuration;

namespace BillingCycle.UnitTests.Deliveries;

public sealed class DeliverySettingsTests
{
    private static IConfiguration Config(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();

    [Theory]
    [InlineData("smtp://mail.local", "mail.local", 25, SecureSocketOptions.None, null, null)]
    [InlineData("smtp://u%40x:p%3As@smtp.example.com:587?starttls=true", "smtp.example.com", 587, SecureSocketOptions.StartTls, "u@x", "p:s")]
    [InlineData("smtp://apikey:secret@email-smtp.eu-west-1.amazonaws.com?starttls=true", "email-smtp.eu-west-1.amazonaws.com", 587, SecureSocketOptions.StartTls, "apikey", "secret")]
    [InlineData("smtps://user:pw@smtp.mailgun.org", "smtp.mailgun.org", 465, SecureSocketOptions.SslOnConnect, "user", "pw")]
    public void SMTP_URL_forms(string url, string host, int port, SecureSocketOptions security, string? user, string? password)
    {
        var e = SmtpEndpoint.Parse(url);
        Assert.Equal((host, port, security, user, password), (e.Host, e.Port, e.Security, e.User, e.Password));
        Assert.DoesNotContain("secret", e.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("pw", e.Describe(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://mail.local")]
    [InlineData("smtp://")]
    [InlineData("smtps://h?starttls=true")]
    [InlineData("smtp://h?tls=1")]
    public void A_bad_SMTP_URL_stops_start_up_without_echoing_it(string url)
    {
        var ex = Assert.Throws<StartupException>(() => SmtpEndpoint.Parse(url));
        Assert.StartsWith("SMTP_URL", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Email_needs_EMAIL_FROM_and_a_known_locale_and_is_off_without_SMTP_URL()
    {
        Assert.False(EmailOptions.FromConfiguration(Config()).Enabled);
        Assert.Equal(EmailLocale.Indonesian, EmailOptions.FromConfiguration(Config()).Locale);
        Assert.Equal(EmailLocale.English, EmailOptions.FromConfiguration(Config(("BILLING_LOCALE", "en"))).Locale);
        Assert.Throws<StartupException>(() => EmailOptions.FromConfiguration(Config(("BILLING_LOCALE", "fr"))));
        Assert.Throws<StartupException>(() => EmailOptions.FromConfiguration(Config(("SMTP_URL", "smtp://h"))));
        var on = EmailOptions.FromConfiguration(Config(("SMTP_URL", "smtp://h"), ("EMAIL_FROM", "Billing <b@x.test>")));
        Assert.True(on.Enabled);
        Assert.Equal("b@x.test", on.From!.Address);
    }

    [Fact]
    public void In_production_SMTP_AUTH_without_TLS_stops_start_up_naming_SMTP_URL()
    {
        (string, string) from = ("EMAIL_FROM", "Billing <b@x.test>");
        var ex = Assert.Throws<StartupException>(() =>
            EmailOptions.FromConfiguration(Config(("SMTP_URL", "smtp://user:secret-pass@mail.test:25"), from), production: true));
        Assert.StartsWith("SMTP_URL", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-pass", ex.Message, StringComparison.Ordinal);
        // TLS from the start, STARTTLS, no AUTH at all, or outside Production: accepted.
        Assert.True(EmailOptions.FromConfiguration(Config(("SMTP_URL", "smtps://user:p@mail.test"), from), production: true).Enabled);
        Assert.True(EmailOptions.FromConfiguration(Config(("SMTP_URL", "smtp://user:p@mail.test:587?starttls=true"), from), production: true).Enabled);
        Assert.True(EmailOptions.FromConfiguration(Config(("SMTP_URL", "smtp://relay.internal:25"), from), production: true).Enabled);
        Assert.True(EmailOptions.FromConfiguration(Config(("SMTP_URL", "smtp://user:p@127.0.0.1:1025"), from)).Enabled);
    }

    [Fact]
    public void App_webhooks_need_a_whsec_secret_of_24_to_64_bytes_and_https_in_production()
    {
        Assert.False(AppWebhookOptions.FromConfiguration(Config(), production: true).Enabled);
        var key = Convert.ToBase64String(new byte[32]);
        var ok = AppWebhookOptions.FromConfiguration(Config(("APP_WEBHOOK_URL", "https://app.test/hooks"), ("APP_WEBHOOK_SECRET", "whsec_" + key)), true);
        Assert.True(ok.Enabled);
        Assert.Throws<StartupException>(() => AppWebhookOptions.FromConfiguration(Config(("APP_WEBHOOK_URL", "https://app.test/hooks")), false));
        Assert.Throws<StartupException>(() => AppWebhookOptions.FromConfiguration(Config(("APP_WEBHOOK_URL", "https://app.test/hooks"), ("APP_WEBHOOK_SECRET", key)), false));
        Assert.Throws<StartupException>(() => AppWebhookOptions.FromConfiguration(Config(("APP_WEBHOOK_URL", "https://app.test/hooks"), ("APP_WEBHOOK_SECRET", "whsec_" + Convert.ToBase64String(new byte[8]))), false));
        Assert.Throws<StartupException>(() => AppWebhookOptions.FromConfiguration(Config(("APP_WEBHOOK_URL", "http://app.test/hooks"), ("APP_WEBHOOK_SECRET", "whsec_" + key)), true));
        Assert.True(AppWebhookOptions.FromConfiguration(Config(("APP_WEBHOOK_URL", "http://127.0.0.1:3000/hooks"), ("APP_WEBHOOK_SECRET", "whsec_" + key)), true).Enabled);
        Assert.Throws<StartupException>(() => AppWebhookOptions.FromConfiguration(Config(("APP_WEBHOOK_SECRET", "whsec_" + key)), false));
    }

    [Fact]
    public void Worker_and_reminder_settings_are_validated()
    {
        Assert.Equal(TimeSpan.FromSeconds(5), DeliveryOptions.FromConfiguration(Config()).Interval);
        Assert.Equal(TimeSpan.FromSeconds(2), DeliveryOptions.FromConfiguration(Config(("BILLING_DELIVERY_INTERVAL", "00:00:02"))).Interval);
        Assert.Throws<StartupException>(() => DeliveryOptions.FromConfiguration(Config(("BILLING_DELIVERY_INTERVAL", "5s"))));
        Assert.Throws<StartupException>(() => DeliveryOptions.FromConfiguration(Config(("BILLING_DELIVERY_CONCURRENCY", "0"))));
        Assert.Equal((3, 12), (ReminderOptions.FromConfiguration(Config()).UpcomingDays, ReminderOptions.FromConfiguration(Config()).UnpaidHours));
        Assert.Throws<StartupException>(() => ReminderOptions.FromConfiguration(Config(("BILLING_REMINDER_DAYS", "-1"))));
    }
}
