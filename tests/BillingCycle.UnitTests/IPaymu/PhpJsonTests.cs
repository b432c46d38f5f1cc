using System.Text.Json;
using BillingCycle.IPaymu.Callbacks;
using BillingCycle.IPaymu.Models;
using BillingCycle.IPaymu.Signing;

namespace BillingCycle.UnitTests.IPaymu;

/// <summary>Request bodies written as PHP's json_encode($data, JSON_UNESCAPED_SLASHES), against vectors computed by running PHP 8.2.</summary>
public sealed class PhpJsonTests
{
    private static JsonDocument Load() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Vectors", "php-request-bodies.json")));

    private static JsonElement Vector(JsonDocument doc, string name) =>
        doc.RootElement.GetProperty("vectors").EnumerateArray().Single(v => v.GetProperty("name").GetString() == name);

    public static TheoryData<string> Names()
    {
        using var doc = Load();
        return [.. doc.RootElement.GetProperty("vectors").EnumerateArray().Select(v => v.GetProperty("name").GetString()!)];
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Request_bodies_are_byte_for_byte_what_PHP_writes_and_sign_to_PHPs_signature(string name)
    {
        using var doc = Load();
        var v = Vector(doc, name);
        var va = doc.RootElement.GetProperty("va").GetString()!;
        var key = doc.RootElement.GetProperty("api_key").GetString()!;

        var body = IPaymuJson.Serialize(v.GetProperty("input"));

        Assert.Equal(v.GetProperty("php_body").GetString(), body);
        Assert.Equal(v.GetProperty("body_sha256").GetString(), RequestSigner.BodyHash(body));
        Assert.Equal(v.GetProperty("signature").GetString(), RequestSigner.Sign("POST", va, body, key));
    }

    [Fact]
    public void A_redirect_payment_with_accents_a_dash_and_an_emoji_is_sent_in_PHPs_form()
    {
        using var doc = Load();
        var v = Vector(doc, "redirect-payment-accents-dash-emoji");
        var request = new RedirectPaymentRequest
        {
            Product = ["Langganan Pro – Bulanan 🚀"], Qty = [1], Price = [149_000], Description = ["Periode 2026-12-01 – 2026-12-31"],
            ReturnUrl = "https://app.billing.test/billing?payment=success", NotifyUrl = "https://billing.test/api/billing/webhook",
            CancelUrl = "https://app.billing.test/billing?payment=cancelled", ReferenceId = "INV-2026-000123-1",
            BuyerName = "José Núñez", BuyerEmail = "jose+billing@example.com", BuyerPhone = "+6281234567890", Expired = 24,
        };
        var body = IPaymuJson.Serialize(request);
        Assert.Equal(v.GetProperty("php_body").GetString(), body);
        Assert.Equal(v.GetProperty("signature").GetString(),
            RequestSigner.Sign("POST", doc.RootElement.GetProperty("va").GetString()!, body, doc.RootElement.GetProperty("api_key").GetString()!));
        Assert.All(body, c => Assert.True(c < 0x80, "PHP's form is pure ASCII for these values"));
    }

    [Theory]
    [InlineData("é", "\"\\u00e9\"")]
    [InlineData("–", "\"\\u2013\"")]
    [InlineData("🚀", "\"\\ud83d\\ude80\"")]
    [InlineData("\u007f", "\"\u007f\"")]
    [InlineData("+<>&'/", "\"+<>&'/\"")]
    [InlineData("\u0001\b\f\n\r\t", "\"\\u0001\\b\\f\\n\\r\\t\"")]
    public void Strings_are_escaped_as_PHP_escapes_them(string value, string expected)
    {
        var sb = new System.Text.StringBuilder();
        PhpJson.WriteString(sb, value, PhpJsonFlags.UnescapedSlashes);
        Assert.Equal(expected, sb.ToString());
    }

    [Fact]
    public void A_lone_surrogate_which_PHP_cannot_encode_is_written_as_the_replacement_character_dotnet_would_send()
    {
        var sb = new System.Text.StringBuilder();
        PhpJson.WriteString(sb, "a" + (char)0xD800 + "b", PhpJsonFlags.UnescapedSlashes);
        Assert.Equal("\"a\\ufffdb\"", sb.ToString());
    }

    [Fact]
    public void Unescaped_unicode_keeps_non_ASCII_raw_but_still_escapes_line_separators_and_slashes()
    {
        var sb = new System.Text.StringBuilder();
        PhpJson.WriteString(sb, "é🚀\u2028\u2029/", PhpJsonFlags.UnescapedUnicode);
        Assert.Equal("\"é🚀\\u2028\\u2029\\/\"", sb.ToString());
    }

    // Each expected value is what PHP 8.2 printed for json_encode(json_decode($literal)).
    [Theory]
    [InlineData("102000.0", "102000")]
    [InlineData("1.5", "1.5")]
    [InlineData("0.1", "0.1")]
    [InlineData("1e25", "1.0e+25")]
    [InlineData("1.0E-7", "1.0e-7")]
    [InlineData("-0.0", "-0")]
    [InlineData("-0", "0")]
    [InlineData("123456789012345678", "123456789012345678")]
    [InlineData("12345678901234567890", "1.2345678901234567e+19")]
    [InlineData("1E2", "100")]
    [InlineData("0.30000000000000004", "0.30000000000000004")]
    [InlineData("1e16", "10000000000000000")]
    [InlineData("1e17", "1.0e+17")]
    [InlineData("0.0001", "0.0001")]
    [InlineData("0.00001", "1.0e-5")]
    [InlineData("5e-324", "5.0e-324")]
    [InlineData("1.7976931348623157e308", "1.7976931348623157e+308")]
    [InlineData("10000000000000002", "10000000000000002")]
    public void Numbers_are_written_as_PHP_writes_what_json_decode_made_of_them(string literal, string php)
    {
        var sb = new System.Text.StringBuilder();
        PhpJson.WriteNumber(sb, literal);
        Assert.Equal(php, sb.ToString());
    }

    [Fact]
    public void Decoded_as_PHP_arrays_an_empty_object_is_a_list_and_so_is_one_keyed_0_to_n()
    {
        using var doc = JsonDocument.Parse("""{"a":{},"b":[],"c":{"0":"x","1":"y"},"d":{"1":"x"},"e":{"00":"z"},"f":{"0":"x","2":"y"}}""");
        Assert.Equal("""{"a":[],"b":[],"c":["x","y"],"d":{"1":"x"},"e":{"00":"z"},"f":{"0":"x","2":"y"}}""",
            PhpJson.Encode(doc.RootElement, PhpJsonFlags.UnescapedSlashes, assoc: true));
        Assert.Equal("""{"a":{},"b":[]}""", PhpJson.Encode(JsonDocument.Parse("""{"a":{},"b":[]}""").RootElement, PhpJsonFlags.UnescapedSlashes));
    }

    // What PHP 8.2 printed for (int)$string.
    [Theory]
    [InlineData("1e3", 1000)]
    [InlineData("12.7", 12)]
    [InlineData(" 12", 12)]
    [InlineData("12 ", 12)]
    [InlineData("abc", 0)]
    [InlineData("-5", -5)]
    [InlineData("+5", 5)]
    [InlineData("0x1A", 0)]
    [InlineData("9999999999999999999", long.MaxValue)]
    [InlineData("-9999999999999999999", long.MinValue)]
    [InlineData("1.9e3", 1900)]
    [InlineData("\n7", 7)]
    [InlineData("", 0)]
    [InlineData("  -3.9x", -3)]
    [InlineData(".5", 0)]
    [InlineData("5.", 5)]
    [InlineData("1e30", long.MaxValue)]
    [InlineData("1e1000", 0)]
    [InlineData("0009", 9)]
    [InlineData("1_000", 1)]
    public void Int_casts_of_strings_match_PHP(string s, long expected) => Assert.Equal(expected, PhpCasts.ToInt(s));

    [Theory]
    [InlineData(12.7, 12)]
    [InlineData(-12.7, -12)]
    [InlineData(1e30, 5076964154930102272)]
    [InlineData(-1e19, 8446744073709551616)]
    public void Int_casts_of_floats_match_PHP(double d, long expected) => Assert.Equal(expected, PhpCasts.ToInt(d));

    [Theory]
    [InlineData("true", true)]
    [InlineData("1", true)]
    [InlineData("on", true)]
    [InlineData("yes", true)]
    [InlineData("TRUE", true)]
    [InlineData(" true ", true)]
    [InlineData("false", false)]
    [InlineData("0", false)]
    [InlineData("", false)]
    [InlineData("no", false)]
    [InlineData("2", false)]
    public void Boolean_filters_match_PHP(string s, bool expected) => Assert.Equal(expected, PhpCasts.ToBool(s));
}
