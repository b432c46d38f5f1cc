using BillingCycle.IPaymu.Callbacks;

namespace BillingCycle.UnitTests.IPaymu;

public sealed class SafeTextTests
{
    // A Fact, not InlineData: xUnit's test-case serialization would mangle lone surrogates.
    [Fact]
    public void Nul_and_unpaired_surrogates_become_replacement_characters_and_pairs_are_kept()
    {
        Assert.Equal("plain", SafeText.Clean("plain"));
        Assert.Equal("a\uFFFDb", SafeText.Clean("a\0b"));
        Assert.Equal("\uFFFD", SafeText.Clean("\uD800"));
        Assert.Equal("x\uFFFDy", SafeText.Clean("x\uDFFFy"));
        Assert.Equal("\uD83D\uDE00 ok", SafeText.Clean("\uD83D\uDE00 ok"));
        Assert.Equal("ok \uFFFD", SafeText.Clean("ok \uD83D"));
    }

    [Fact]
    public void Callback_fields_with_nul_are_kept_as_storable_text()
    {
        var cb = IPaymuCallback.Parse("trx_id=1%002&reference_id=r%00", "application/x-www-form-urlencoded")!;
        Assert.Equal("1\uFFFD2", cb.TrxId);
        Assert.DoesNotContain("\\u0000", cb.ToJson(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_json_callback_with_a_lone_surrogate_escape_is_unparsable_not_an_exception() =>
        Assert.Null(IPaymuCallback.Parse("{\"trx_id\":\"\\ud800\"}", "application/json"));
}
