using System.Text.RegularExpressions;
using BillingCycle.Api.Portal;
using BillingCycle.Api.Subscriptions;

namespace BillingCycle.UnitTests.Portal;

/// <summary>The portal's words (contract §14): one set of keys in both languages, and every key the pages and handlers ask for exists.</summary>
public sealed partial class PortalWordsTests
{
    [Fact]
    public void Indonesian_and_english_have_the_same_keys()
    {
        Assert.Equal(PortalText.Indonesian.Words.Keys.Order(), PortalText.English.Words.Keys.Order());
    }

    [Fact]
    public void Every_coupon_refusal_has_words_in_both_languages()
    {
        foreach (var outcome in Enum.GetValues<CouponOutcome>().Where(o => o is not (CouponOutcome.Redeemed or CouponOutcome.NoSubscription)))
        {
            var key = PortalText.CouponKey(outcome);
            Assert.True(PortalText.Indonesian.Words.ContainsKey(key), key);
            Assert.True(PortalText.English.Words.ContainsKey(key), key);
        }
        Assert.Equal(5, Enum.GetValues<CouponOutcome>().Select(PortalText.CouponKey).Distinct().Count());
    }

    [Fact]
    public void The_open_pack_invoice_limit_is_said_with_the_number_the_purchase_enforces()
    {
        Assert.Contains($"punya {CreditPackStore.MaxOpenInvoices} tagihan", PortalText.Indonesian["refused.too_many_packs"], StringComparison.Ordinal);
        Assert.Contains($"have {CreditPackStore.MaxOpenInvoices} unpaid", PortalText.English["refused.too_many_packs"], StringComparison.Ordinal);
    }

    [GeneratedRegex("""t\["([a-z_.]+)"\]|"((?:refused|done|coupon|preview|plans)\.[a-z_.]+)"|Refused\(request, \d+, "([a-z_.]+)"\)""")]
    private static partial Regex KeyUse();

    [Fact]
    public void Every_key_written_in_the_portal_s_pages_and_handlers_has_words()
    {
        var portal = Path.Combine(BillingCycle.TestSupport.DedicatedPostgres.RepoRoot(), "src", "BillingCycle.Api", "Portal");
        var missing = Directory.EnumerateFiles(portal, "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".razor", StringComparison.Ordinal) || (f.EndsWith(".cs", StringComparison.Ordinal) && !f.EndsWith("PortalWords.cs", StringComparison.Ordinal)))
            .SelectMany(f => KeyUse().Matches(File.ReadAllText(f)).Select(m => (File: Path.GetFileName(f), Key: m.Groups.Values.Skip(1).First(g => g.Success).Value)))
            .Where(u => !PortalText.Indonesian.Words.ContainsKey(u.Key) && !u.Key.EndsWith('.'))
            .Select(u => $"{u.File}: {u.Key}")
            .ToList();
        Assert.Empty(missing);
    }
}
