using System.Text.Json;
using BillingCycle.IPaymu.Callbacks;

namespace BillingCycle.UnitTests.IPaymu;

/// <summary>
/// Callbacks signed the ways iPaymu's own code checks them (the WooCommerce plugin, its "cleaned"
/// retry, the docs' snippet), against vectors computed by running PHP 8.2.
/// </summary>
public sealed class CallbackSignatureFormsTests
{
    private static JsonDocument Load() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Vectors", "callback-signature-forms.json")));

    private static (IPaymuCallback Callback, string Va, string Signature, string Canonical, bool Valid) Vector(string name)
    {
        using var doc = Load();
        var v = doc.RootElement.GetProperty("vectors").EnumerateArray().Single(x => x.GetProperty("name").GetString() == name);
        var callback = IPaymuCallback.Parse(v.GetProperty("body").GetString()!, v.GetProperty("content_type").GetString())!;
        return (callback, doc.RootElement.GetProperty("merchant_va").GetString()!, v.GetProperty("x_signature").GetString()!,
            v.GetProperty("canonical").GetString()!, v.GetProperty("expect_valid").GetBoolean());
    }

    public static TheoryData<string> Names()
    {
        using var doc = Load();
        return [.. doc.RootElement.GetProperty("vectors").EnumerateArray().Select(v => v.GetProperty("name").GetString()!)];
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Every_form_iPaymus_code_accepts_verifies_and_a_tampered_body_does_not(string name)
    {
        var (callback, va, signature, canonical, valid) = Vector(name);
        Assert.Equal(valid, CallbackSignature.Verify(callback, va, signature));
        if (valid)
        {
            // Not a lucky match: PHP's exact string is among the forms tried.
            Assert.Contains(canonical, CallbackSignature.Candidates(callback));
        }
        Assert.False(CallbackSignature.Verify(callback, "1179000898", signature));
    }

    [Fact]
    public void The_plugin_form_of_a_callback_without_payment_no_is_refused_when_payment_no_is_not_added()
    {
        // Without the payment_no rule the raw-UTF-8 form alone does not reproduce the plugin's string.
        var (callback, _, _, canonical, _) = Vector("form-without-payment-no-plugin");
        Assert.DoesNotContain("payment_no", callback.ByName.Keys);
        Assert.Contains("\"payment_no\":\"\"", canonical, StringComparison.Ordinal);
        Assert.Contains("José Núñez – 🚀", canonical, StringComparison.Ordinal);
        Assert.DoesNotContain("\"payment_no\"", CallbackSignature.Canonicalize(callback), StringComparison.Ordinal);
    }

    [Fact]
    public void Json_callbacks_keep_native_numbers_and_nulls()
    {
        var (callback, _, _, _, _) = Vector("json-native-types-docs");
        var docsForm = CallbackSignature.Canonicalize(callback);
        Assert.Contains("\"amount\":102000,", docsForm, StringComparison.Ordinal);
        Assert.Contains("\"total\":102000,", docsForm, StringComparison.Ordinal); // 102000.00 is a PHP float, written 102000
        Assert.Contains("\"paid_at\":null,", docsForm, StringComparison.Ordinal);
        Assert.Contains("\"is_sandbox\":true,", docsForm, StringComparison.Ordinal);
        Assert.Contains("\"va\":1179000899,", docsForm, StringComparison.Ordinal);
    }

    [Fact]
    public void A_json_callback_that_turned_a_number_into_a_string_no_longer_verifies()
    {
        var (callback, va, signature, _, _) = Vector("json-native-types-plugin");
        var json = callback.ToJson(); // every value as a JSON string
        Assert.False(CallbackSignature.Verify(IPaymuCallback.Parse(json, "application/json")!, va, signature));
    }

    [Fact]
    public void Every_candidate_is_a_distinct_string_and_there_are_at_most_eight()
    {
        var (callback, _, _, _, _) = Vector("form-without-payment-no-plugin");
        var candidates = CallbackSignature.Candidates(callback);
        Assert.InRange(candidates.Count, 2, 8);
        Assert.Equal(candidates.Count, candidates.Distinct(StringComparer.Ordinal).Count());
    }
}
