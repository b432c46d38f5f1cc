using System.Text;

namespace BillingCycle.ProcessTests.Abuse;

/// <summary>One hostile request body: what it is, its bytes, the Content-Type it claims, whether to stream it without a length.</summary>
public sealed record BadBody(string Label, byte[] Bytes, string? ContentType = "application/json", bool Chunked = false)
{
    public static BadBody Json(string label, string text) => new(label, Encoding.UTF8.GetBytes(text));
}

/// <summary>
/// A generated corpus of bad input, the same for every run of a seed: wrong types, huge and
/// negative numbers, exponents, deep nesting, duplicate keys, invalid UTF-8, 10 MB bodies,
/// missing and extra fields, wrong content types, and random mutations of a valid body.
/// </summary>
public static class BadInputs
{
    /// <summary>Values that are never a valid amount (contract §5: a JSON integer 1..1,000,000,000).</summary>
    public static readonly string[] BadAmounts =
    [
        "\"10\"", "true", "false", "null", "[]", "[5]", "{}", "\"abc\"", "\"\"", "1.5", "10.0", "-1", "0", "-0",
        "1e3", "1E3", "5e0", "1e309", "-1e309", "1000000001", "99999999999999999999999999",
        "9223372036854775808", "-9223372036854775809", "0.0000001", "{\"value\":5}",
    ];

    /// <summary>Bodies refused before or while parsing, whatever the endpoint: INVALID_JSON, 413, 415.</summary>
    public static IEnumerable<BadBody> Malformed()
    {
        foreach (var text in new[]
        {
            "", " ", "null", "[]", "\"s\"", "5", "true", "{", "}", "{\"amount\":}", "{\"amount\":5", "{amount:5}",
            "{'amount':5}", "{\"amount\":5,}", "/*c*/{\"amount\":5}", "{\"amount\":5}{\"amount\":5}", "{\"amount\":5 5}",
            "{\"amount\":01}", "{\"amount\":NaN}", "{\"amount\":Infinity}", "{\"amount\":0x10}", "{\"amount\":+5}",
            "{\"amount\":5,\"amount\":5}", "{\"amount\":5,\"reference_id\":\"a\",\"reference_id\":\"b\"}",
            "\u0000", "{\"amount\"\u0000:5}", "{\"trx_id\":\"\\u0000\",\"reference_id\":\"\\ud800\"}", "{\"\\ud800\":1}",
            "{\"trx_id\":\"1\\u0000\",\"status_code\":\"1\",\"reference_id\":\"r\\u0000\"}",
        })
        {
            yield return BadBody.Json("malformed " + Show(text), text);
        }
        yield return BadBody.Json("nesting 2000 arrays", new string('[', 2000) + new string(']', 2000));
        yield return BadBody.Json("nesting 100 objects in amount", "{\"amount\":" + string.Concat(Enumerable.Repeat("{\"a\":", 100)) + "1" + new string('}', 101));
        yield return BadBody.Json("nesting 100000 unclosed", new string('[', 100_000));
        yield return new BadBody("invalid UTF-8 in a key", [.. "{\""u8, 0xC3, 0x28, .. "\":1,\"amount\":5}"u8]);
        yield return new BadBody("overlong UTF-8 slash", [.. "{\"reference_id\":\""u8, 0xC0, 0xAF, .. "\",\"amount\":5}"u8]);
        yield return new BadBody("lone continuation bytes", [0x80, 0x81, 0xFE, 0xFF]);
        yield return new BadBody("UTF-16 body", Encoding.Unicode.GetBytes("{\"amount\":5}"));
        yield return new BadBody("70 KiB body", Encoding.UTF8.GetBytes("{\"amount\":5,\"pad\":\"" + new string('a', 70 * 1024) + "\"}"));
        yield return new BadBody("10 MB body", Encoding.UTF8.GetBytes("{\"amount\":5,\"pad\":\"" + new string('a', 10 * 1024 * 1024) + "\"}"));
        yield return new BadBody("10 MB chunked body", Encoding.UTF8.GetBytes("{\"amount\":5,\"pad\":\"" + new string('b', 10 * 1024 * 1024) + "\"}"), Chunked: true);
        foreach (var type in new[] { "text/plain", "application/xml", "multipart/form-data; boundary=x", "application/x-www-form-urlencoded", "image/png" })
        {
            yield return new BadBody("content type " + type, Encoding.UTF8.GetBytes("{\"amount\":5,\"reference_id\":\"r\"}"), type);
        }
    }

    /// <summary>Bodies that are JSON objects but carry a bad amount or a bad field beside a good amount.</summary>
    public static IEnumerable<BadBody> BadFields(bool needsReference)
    {
        var reference = needsReference ? ",\"reference_id\":\"abuse-ref\"" : "";
        foreach (var amount in BadAmounts)
        {
            yield return BadBody.Json("amount " + amount, "{\"amount\":" + amount + reference + "}");
        }
        yield return BadBody.Json("missing amount", "{" + reference.TrimStart(',') + "}");
        yield return BadBody.Json("misspelt amount", "{\"amout\":5" + reference + "}");
        yield return BadBody.Json("amount in caps", "{\"AMOUNT\":5" + reference + "}");
        foreach (var (field, value) in new[]
        {
            ("reference_id", "5"), ("reference_id", "[]"), ("reference_id", "{}"), ("reference_id", "true"),
            ("reference_id", "\"" + new string('r', 201) + "\""), ("description", "42"), ("description", "\"" + new string('d', 501) + "\""),
            ("reference_id", "\"a\\u0000b\""), ("reference_id", "\"\\ud800\""), ("description", "\"\\udfff tail\""),
            ("user_id", "\"\\u0000\""), ("user_id", "[\"u\"]"), ("user_id", "{}"), ("user_id", "\"" + new string('u', 201) + "\""),
        })
        {
            if (needsReference && field != "reference_id")
            {
                continue; // consume reads only amount and reference_id: an odd extra field is not an error there
            }
            yield return BadBody.Json($"{field} = {Show(value)}", $"{{\"amount\":5,\"{field}\":{value}}}");
        }
        if (needsReference)
        {
            yield return BadBody.Json("consume without reference", "{\"amount\":5}");
            yield return BadBody.Json("consume with null reference", "{\"amount\":5,\"reference_id\":null}");
            yield return BadBody.Json("consume with empty reference", "{\"amount\":5,\"reference_id\":\"\"}");
        }
    }

    /// <summary>Random byte-level mutations of a valid body: flips, insertions, deletions, truncations.</summary>
    public static IEnumerable<BadBody> Mutants(Random rng, string valid, int count)
    {
        var source = Encoding.UTF8.GetBytes(valid);
        for (var i = 0; i < count; i++)
        {
            var b = new List<byte>(source);
            var edits = 1 + rng.Next(3);
            for (var e = 0; e < edits && b.Count > 0; e++)
            {
                var at = rng.Next(b.Count);
                switch (rng.Next(4))
                {
                    case 0: b[at] ^= (byte)(1 << rng.Next(8)); break;
                    case 1: b.Insert(at, (byte)rng.Next(256)); break;
                    case 2: b.RemoveAt(at); break;
                    default: b.RemoveRange(at, b.Count - at); break;
                }
            }
            yield return new BadBody($"mutant {i}", [.. b]);
        }
    }

    /// <summary>Bad query strings for the ledger.</summary>
    public static readonly string[] BadLedgerQueries =
    [
        "limit=0", "limit=-1", "limit=101", "limit=abc", "limit=1e2", "limit=", "limit=99999999999999999999", "limit=%2B5",
        "limit=5.0", "limit=%205", "credit_type=foo", "credit_type=", "credit_type=INTERACTION", "credit_type=%00",
        "before=garbage", "before=", "before=%27%3B%20DROP%20TABLE%20credit_transactions%3B--", "before=" + new string('A', 4000),
        "before=MHwwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAw", "before=LTF8eA", "limit=5&limit=6&credit_type=x",
    ];

    public static string Show(string s) => s.Length <= 24 ? s.Replace("\0", "\\0", StringComparison.Ordinal) : s[..24] + $"…({s.Length})";
}
