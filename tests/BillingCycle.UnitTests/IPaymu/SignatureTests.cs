using System.Text.Json;
using BillingCycle.IPaymu.Callbacks;
using BillingCycle.IPaymu.Signing;

namespace BillingCycle.UnitTests.IPaymu;

public sealed class SignatureTests
{
    private static JsonDocument Load(string name) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Vectors", name)));

    public static TheoryData<string, string, string, string> RequestVectors()
    {
        using var doc = Load("request-signatures.json");
        var data = new TheoryData<string, string, string, string>();
        foreach (var v in doc.RootElement.GetProperty("vectors").EnumerateArray())
        {
            data.Add(v.GetProperty("body").GetString()!, v.GetProperty("body_sha256").GetString()!,
                v.GetProperty("string_to_sign").GetString()!, v.GetProperty("signature").GetString()!);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(RequestVectors))]
    public void Request_signature_vectors_reproduce(string body, string hash, string stringToSign, string signature)
    {
        using var doc = Load("request-signatures.json");
        var va = doc.RootElement.GetProperty("va").GetString()!;
        var key = doc.RootElement.GetProperty("api_key").GetString()!;

        Assert.Equal(hash, RequestSigner.BodyHash(body));
        Assert.Equal(stringToSign, RequestSigner.StringToSign("post", va, body, key));
        Assert.Equal(signature, RequestSigner.Sign("POST", va, body, key));
        Assert.NotEqual(signature, RequestSigner.Sign("POST", va, body + " ", key));
    }

    [Fact]
    public void Request_json_is_compact_and_does_not_escape_plus_angle_ampersand_quote_or_slash()
    {
        var json = IPaymuJson.Serialize(new { buyerPhone = "+62812", buyerName = "A&B <C> O'Neil", returnUrl = "https://x.test/a?b=1" });
        Assert.Equal("""{"buyerPhone":"+62812","buyerName":"A&B <C> O'Neil","returnUrl":"https://x.test/a?b=1"}""", json);
    }

    [Fact]
    public void Timestamp_is_Jakarta_time()
    {
        Assert.Equal("20261125170000", RequestSigner.Timestamp(new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero)));
    }

    private static (IPaymuCallback Callback, string Va, string Signature, string Canonical) CallbackVector()
    {
        using var doc = Load("callback-signature.json");
        var fields = doc.RootElement.GetProperty("fields").EnumerateArray()
            .Select(f => new KeyValuePair<string, string?>(f[0].GetString()!, f[1].GetString())).ToList();
        return (new IPaymuCallback(fields), doc.RootElement.GetProperty("merchant_va").GetString()!,
            doc.RootElement.GetProperty("x_signature").GetString()!, doc.RootElement.GetProperty("canonical_json").GetString()!);
    }

    [Fact]
    public void Callback_vector_canonical_form_and_signature_reproduce_exactly()
    {
        var (cb, va, sig, canonical) = CallbackVector();
        Assert.Equal(canonical, CallbackSignature.Canonicalize(cb));
        Assert.Equal(sig, CallbackSignature.Compute(cb, va));
        Assert.True(CallbackSignature.Verify(cb, va, sig));
        Assert.True(CallbackSignature.Verify(cb, va, sig.ToUpperInvariant()));
    }

    [Fact]
    public void Callback_vector_parsed_from_its_form_body_verifies()
    {
        var (cb, va, sig, _) = CallbackVector();
        var form = string.Join('&', cb.Fields.Select(f => $"{Uri.EscapeDataString(f.Key)}={Uri.EscapeDataString(f.Value ?? "")}"));
        var parsed = IPaymuCallback.Parse(form, "application/x-www-form-urlencoded")!;
        Assert.True(CallbackSignature.Verify(parsed, va, sig));
        Assert.Equal("184854", parsed.TrxId);
        Assert.Equal(102000, parsed.Amount);
    }

    [Fact]
    public void Callback_vector_parsed_from_a_json_body_verifies()
    {
        var (cb, va, sig, _) = CallbackVector();
        var json = JsonSerializer.Serialize(cb.Fields.ToDictionary(f => f.Key, f => f.Value));
        Assert.True(CallbackSignature.Verify(IPaymuCallback.Parse(json, "application/json")!, va, sig));
    }

    [Fact]
    public void A_changed_byte_wrong_key_or_missing_signature_fails_verification()
    {
        var (cb, va, sig, _) = CallbackVector();
        var tampered = new IPaymuCallback(cb.Fields.Select(f => f.Key == "amount" ? new KeyValuePair<string, string?>("amount", "102001") : f).ToList());
        Assert.False(CallbackSignature.Verify(tampered, va, sig));
        Assert.False(CallbackSignature.Verify(cb, "1179000898", sig));
        Assert.False(CallbackSignature.Verify(cb, va, null));
        Assert.False(CallbackSignature.Verify(cb, va, sig[..^1] + (sig[^1] == '0' ? '1' : '0')));
        Assert.False(CallbackSignature.Verify(cb, va, "not-hex"));
    }

    [Fact]
    public void Canonical_form_handles_slash_empty_values_missing_additional_info_unknown_fields_and_signature_field()
    {
        var cb = new IPaymuCallback([
            new("url", "https://a.test/b"), new("payment_no", ""), new("trx_id", "12"), new("zz_unknown", "ü"),
            new("is_escrow", "true"), new("signature", "ignored"), new("paid_off", "abc"),
        ]);
        Assert.Equal("""{"additional_info":[],"is_escrow":true,"paid_off":0,"payment_no":"","trx_id":12,"url":"https:\/\/a.test\/b","zz_unknown":"\u00fc"}""",
            CallbackSignature.Canonicalize(cb));
    }

    [Fact]
    public void Canonical_form_keeps_a_json_additional_info_array()
    {
        var cb = IPaymuCallback.Parse("""{"trx_id":5,"additional_info":["a/b",{"k":1}]}""", "application/json")!;
        Assert.Equal("""{"additional_info":["a\/b",{"k":1}],"trx_id":5}""", CallbackSignature.Canonicalize(cb));
    }

    [Fact]
    public void Unparsable_bodies_give_null()
    {
        Assert.Null(IPaymuCallback.Parse("{not json", "application/json"));
        Assert.Null(IPaymuCallback.Parse("[1,2]", "application/json"));
        Assert.Null(IPaymuCallback.Parse("", "application/x-www-form-urlencoded"));
    }
}
