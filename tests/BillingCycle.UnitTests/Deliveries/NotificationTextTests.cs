using System.Text.RegularExpressions;
using BillingCycle.Api.Deliveries.Email;
using BillingCycle.Api.Infrastructure;
using BillingCycle.Api.Infrastructure.Database;

namespace BillingCycle.UnitTests.Deliveries;

/// <summary>The in-app notification's words come from the email template files (db/functions/notify.sql).</summary>
public sealed partial class NotificationTextTests
{
    private static readonly EmailRenderer Renderer = EmailRenderer.LoadEmbedded();

    [Fact]
    public void Every_notify_call_in_SQL_has_its_title_and_message_in_both_locales()
    {
        var calls = SqlScripts.Functions.SelectMany(f => NotifyCall().Matches(f.Sql).Select(m => (Type: m.Groups[1].Value, Variant: m.Groups[2].Value)))
            .Concat(PaymentDueVariants().Select(v => (Type: "billing_payment_due", Variant: v)))
            .Distinct().ToList();
        Assert.Contains(("billing_failed", "retry"), calls);
        Assert.Contains(("billing_payment_due", "checkout"), calls);
        Assert.True(calls.Count >= 16, string.Join(", ", calls));
        foreach (var locale in Enum.GetValues<EmailLocale>())
        {
            var texts = Renderer.NotificationTexts(locale);
            Assert.All(calls, c => Assert.Contains(texts, t => t.Type == c.Type && t.Variant == c.Variant && t.Title.Length > 0 && t.Message.Length > 0));
        }
    }

    [Fact]
    public void Values_become_placeholders_and_no_wording_asks_to_update_a_payment_method()
    {
        var id = Renderer.NotificationTexts(EmailLocale.Indonesian).Single(t => t.Type == "billing_failed" && t.Variant == "retry");
        Assert.Equal("Pembayaran percobaan ke-{retry_number} belum berhasil", id.Title);
        Assert.Contains("{next_retry}", id.Message, StringComparison.Ordinal);
        foreach (var locale in Enum.GetValues<EmailLocale>())
        {
            Assert.All(Renderer.NotificationTexts(locale), t => Assert.DoesNotContain("payment method", t.Message, StringComparison.OrdinalIgnoreCase));
            Assert.All(Renderer.NotificationTexts(locale), t => Assert.DoesNotContain("metode pembayaran", t.Message, StringComparison.OrdinalIgnoreCase));
        }
    }

    [Fact]
    public void A_notification_capture_with_a_tag_or_an_unknown_value_is_refused()
    {
        Assert.Throws<StartupException>(() => NotificationCaptures.Read("x",
            "{% capture notification_title %}{% if amount %}A{% endif %}{% endcapture %}{% capture notification_message %}m{% endcapture %}").ToList());
        Assert.Throws<StartupException>(() => NotificationCaptures.Read("x",
            "{% capture notification_title %}{{ secret }}{% endcapture %}{% capture notification_message %}m{% endcapture %}").ToList());
        Assert.Throws<StartupException>(() => NotificationCaptures.Read("x", "{% capture notification_title_retry %}t{% endcapture %}").ToList());
    }

    [GeneratedRegex(@"notify\([^,]+,\s*'([a-z_]+)',\s*'([a-z_]*)'")]
    private static partial Regex NotifyCall();

    /// <summary>The variants billing_attach_sessions picks by a CASE (checkout, upgrade, renewal, retry).</summary>
    private static IEnumerable<string> PaymentDueVariants()
    {
        var sql = SqlScripts.Functions.Single(f => f.Name == "billing_links.sql").Sql;
        var start = sql.IndexOf("notify(w.user_id, 'billing_payment_due',", StringComparison.Ordinal);
        var end = sql.IndexOf("jsonb_build_object", start, StringComparison.Ordinal);
        return CaseBranch().Matches(sql[start..end]).Select(m => m.Groups[1].Value).ToList();
    }

    [GeneratedRegex(@"(?:THEN|ELSE) '([a-z_]*)'")]
    private static partial Regex CaseBranch();
}
