using System.Text.Json;
using BillingCycle.Api.Deliveries;
using BillingCycle.Api.Deliveries.Email;
using BillingCycle.Api.Infrastructure.Time;
using BillingCycle.TestSupport;

namespace BillingCycle.UnitTests.Deliveries;

public sealed class EmailTemplateTests
{
    private static readonly EmailRenderer Renderer = EmailRenderer.LoadEmbedded();

    private static readonly string[] KnownTypes =
    [
        "billing_payment_due", "billing_success", "billing_failed", "subscription_cancelled", "billing_upcoming_renewal",
        "billing_payment_reminder", "subscription_activated", "plan_changed", "subscription_cancel_scheduled", "subscription_resumed",
        "invoice_refunded", "credit_pack_paid", "trial_started", "trial_will_end",
    ];

    private static EmailItem Item(string type, string data, string? name = "Putu Test") => new(
        Guid.NewGuid(), type, "Payment Due", "Your Pro subscription renewal of IDR 149,000 is due.",
        JsonDocument.Parse(data).RootElement, new DateTimeOffset(2026, 11, 1, 2, 0, 0, TimeSpan.Zero),
        "user_1", "putu@example.com", name, "INV-202611-000042", 149_000,
        new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero), "Pro", 149_000, null);

    [Theory]
    [InlineData(149_000, "Rp149.000", "IDR 149,000")]
    [InlineData(0, "Rp0", "IDR 0")]
    [InlineData(1_250_000_000, "Rp1.250.000.000", "IDR 1,250,000,000")]
    public void Amounts_are_written_as_each_locale_writes_them(long amount, string id, string en)
    {
        Assert.Equal(id, LocaleFormat.Amount(amount, EmailLocale.Indonesian));
        Assert.Equal(en, LocaleFormat.Amount(amount, EmailLocale.English));
        Assert.Equal("1 Desember 2026", LocaleFormat.Date(new DateTimeOffset(2026, 12, 1, 3, 0, 0, TimeSpan.Zero), EmailLocale.Indonesian, CustomerTime.Jakarta));
        Assert.Equal("1 December 2026", LocaleFormat.Date(new DateTimeOffset(2026, 12, 1, 3, 0, 0, TimeSpan.Zero), EmailLocale.English, CustomerTime.Jakarta));
    }

    [Fact]
    public void Every_notification_type_has_its_own_template_in_both_locales()
    {
        foreach (var locale in Enum.GetValues<EmailLocale>())
        {
            Assert.Equal(KnownTypes.Order(), Renderer.Types(locale));
        }
    }

    [Fact]
    public void Every_type_renders_in_both_locales_with_subject_text_and_the_link_and_is_kept_as_an_artifact()
    {
        var dir = Path.Combine(DedicatedPostgres.RepoRoot(), ".local", "artifacts", "emails");
        Directory.CreateDirectory(dir);
        foreach (var locale in Enum.GetValues<EmailLocale>())
        {
            foreach (var type in KnownTypes.Append("some_future_type"))
            {
                var item = Item(type, """{"payment_url": "https://my.ipaymu.com/payment/abc", "attempt_number": 2, "next_retry": "2026-11-03T02:00:00Z", "expires_at": "2026-11-02T02:00:00Z", "period_end": "2026-12-01T00:00:00Z"}""");
                var email = Renderer.Render(type, locale, EmailModel.From(item, locale, new Uri("https://app.test"), null));
                Assert.False(string.IsNullOrWhiteSpace(email.Subject), type);
                Assert.DoesNotContain('\n', email.Subject);
                Assert.Contains("href=\"https://my.ipaymu.com/payment/abc\"", email.Html, StringComparison.Ordinal);
                Assert.Contains("https://my.ipaymu.com/payment/abc", email.Text, StringComparison.Ordinal);
                Assert.DoesNotContain("{{", email.Html, StringComparison.Ordinal);
                Assert.DoesNotContain("<", email.Text, StringComparison.Ordinal);
                File.WriteAllText(Path.Combine(dir, $"{type}.{(locale == EmailLocale.Indonesian ? "id" : "en")}.html"), email.Html);
            }
        }
    }

    [Fact]
    public void Values_are_HTML_encoded_and_only_http_links_are_linked()
    {
        var item = Item("billing_payment_due", """{"payment_url": "javascript:alert(1)", "invoice_url": "https://billing.test/pay/tok"}""",
            name: "<script>alert('x')</script> & Co");
        var email = Renderer.Render("billing_payment_due", EmailLocale.Indonesian, EmailModel.From(item, EmailLocale.Indonesian, null, null));
        Assert.DoesNotContain("<script>", email.Html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;", email.Html, StringComparison.Ordinal);
        Assert.Contains("<script>alert('x')</script> & Co", email.Text, StringComparison.Ordinal);
        Assert.Contains("href=\"https://billing.test/pay/tok\"", email.Html, StringComparison.Ordinal);

        var bad = Item("billing_payment_due", """{"payment_url": "javascript:alert(1)"}""");
        var model = EmailModel.From(bad, EmailLocale.English, new Uri("https://app.test"), null);
        Assert.Equal("https://app.test/billing", model.ActionUrl);
    }

    [Fact]
    public void The_pay_page_link_is_preferred_to_the_iPaymu_link()
    {
        var data = JsonDocument.Parse("""{"payment_url": "https://my.ipaymu.com/p/1", "invoice_url": "https://billing.test/pay/t1"}""").RootElement;
        Assert.Equal("https://billing.test/pay/t1", EmailModel.PayLink(data));
        Assert.Equal("https://my.ipaymu.com/p/1", EmailModel.PayLink(JsonDocument.Parse("""{"payment_url": "https://my.ipaymu.com/p/1"}""").RootElement));
    }

    [Fact]
    public void A_renewal_email_reads_right_in_Bahasa_Indonesia_and_English()
    {
        var item = Item("billing_payment_due", """{"payment_url": "https://my.ipaymu.com/payment/abc", "expires_at": "2026-11-02T02:00:00Z"}""");
        var id = Renderer.Render("billing_payment_due", EmailLocale.Indonesian, EmailModel.From(item, EmailLocale.Indonesian, null, null));
        Assert.Equal("Tagihan langganan Pro sebesar Rp149.000", id.Subject);
        Assert.Contains("Nomor tagihan: INV-202611-000042", id.Text, StringComparison.Ordinal);
        Assert.Contains("Periode: 1 November 2026 – 1 Desember 2026", id.Text, StringComparison.Ordinal);
        Assert.Contains("Bayar sebelum: 2 November 2026, 09:00 WIB", id.Text, StringComparison.Ordinal);
        var en = Renderer.Render("billing_payment_due", EmailLocale.English, EmailModel.From(item, EmailLocale.English, null, null));
        Assert.Equal("Your Pro renewal of IDR 149,000 is due", en.Subject);
        Assert.Contains("Hi Putu Test,", en.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_credit_pack_payment_reminder_names_the_pack_not_a_subscription_in_both_locales()
    {
        var item = Item("billing_payment_reminder", """{"pack_name": "Scraper 1K", "payment_url": "https://my.ipaymu.com/payment/abc"}""");
        var id = Renderer.Render("billing_payment_reminder", EmailLocale.Indonesian, EmailModel.From(item, EmailLocale.Indonesian, null, null));
        Assert.Equal("Pengingat: tagihan paket kredit Scraper 1K sebesar Rp149.000 belum dibayar", id.Subject);
        Assert.Contains("Pembayaran paket kredit Scraper 1K Anda sebesar Rp149.000 belum kami terima.", id.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("agar langganan Anda tetap aktif", id.Text, StringComparison.Ordinal);
        var en = Renderer.Render("billing_payment_reminder", EmailLocale.English, EmailModel.From(item, EmailLocale.English, null, null));
        Assert.Equal("Reminder: your credit pack Scraper 1K invoice of IDR 149,000 is unpaid", en.Subject);
        Assert.Contains("for the credit pack Scraper 1K. Its credits are added", en.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("keep your subscription active", en.Text, StringComparison.Ordinal);
        // Without a pack it is the subscription's reminder, as before.
        var plain = Renderer.Render("billing_payment_reminder", EmailLocale.English,
            EmailModel.From(Item("billing_payment_reminder", "{}"), EmailLocale.English, null, null));
        Assert.Equal("Reminder: your Pro invoice of IDR 149,000 is unpaid", plain.Subject);
    }

    [Fact]
    public void A_refund_email_names_the_credit_note_and_the_refunded_amount_not_the_invoice_s()
    {
        var item = Item("invoice_refunded", """{"credit_note_number": "CN-202611-000007", "amount": 50000, "invoice_url": "https://billing.test/pay/tok"}""");
        var id = Renderer.Render("invoice_refunded", EmailLocale.Indonesian, EmailModel.From(item, EmailLocale.Indonesian, null, null));
        Assert.Equal("Pengembalian dana Rp50.000 untuk tagihan INV-202611-000042", id.Subject);
        Assert.Contains("Nota kredit: CN-202611-000007", id.Text, StringComparison.Ordinal);
        Assert.Contains("https://billing.test/pay/tok", id.Html, StringComparison.Ordinal);
        var en = Renderer.Render("invoice_refunded", EmailLocale.English, EmailModel.From(item, EmailLocale.English, null, null));
        Assert.Contains("Amount refunded: IDR 50,000", en.Text, StringComparison.Ordinal);
    }

    /// <summary>
    /// docs/emails/ shows two emails as they are sent today. When a template changes, this fails;
    /// copy the new rendering from .local/artifacts/emails/sample.*.html into docs/emails/.
    /// </summary>
    [Theory]
    [InlineData("billing_payment_due", EmailLocale.Indonesian, "billing_payment_due.id.html")]
    [InlineData("billing_payment_reminder", EmailLocale.English, "billing_payment_reminder.en.html")]
    public void The_samples_in_docs_are_what_the_templates_render(string type, EmailLocale locale, string file)
    {
        var item = Item(type, """{"payment_url": "https://my.ipaymu.com/payment/8a3d5f0e-2b7c-4d1a-9e6f-0c1b2a3d4e5f", "expires_at": "2026-11-02T02:00:00Z"}""");
        var html = Renderer.Render(type, locale, EmailModel.From(item, locale, new Uri("https://app.example.com"), null)).Html;
        var dir = Path.Combine(DedicatedPostgres.RepoRoot(), ".local", "artifacts", "emails");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "sample." + file), html);
        var committed = Path.Combine(DedicatedPostgres.RepoRoot(), "docs", "emails", file);
        Assert.True(File.Exists(committed) && File.ReadAllText(committed) == html,
            $"docs/emails/{file} is not what the template renders: copy .local/artifacts/emails/sample.{file} over it");
    }
}
