using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using BillingCycle.IPaymu.Signing;

namespace BillingCycle.IPaymu.Callbacks;

/// <summary>
/// iPaymu's callback X-Signature: lowercase hex HMAC-SHA256, keyed by the merchant VA number, over
/// a canonical JSON of the callback fields. The fields are normalized as iPaymu's WooCommerce plugin
/// (ipaymu-for-woocommerce, gateway.php, normalize_webhook_data) does before it checks them:
/// <list type="bullet">
/// <item>the <c>signature</c> field is dropped;</item>
/// <item><c>trx_id</c>, <c>status_code</c>, <c>transaction_status_code</c>, <c>paid_off</c> become
/// integers (PHP <c>(int)</c>), <c>is_escrow</c> a boolean (<c>filter_var</c>), <c>additional_info</c>
/// an array (<c>[]</c> when absent or not JSON); a JSON null stays null;</item>
/// <item>every other value keeps its type: a form field is a string (empty strings kept), a JSON
/// value is the number, boolean, null, string or structure it came as;</item>
/// <item>keys sorted ordinally; PHP json_encode, '/' written '\/'.</item>
/// </list>
/// Which of several encodings iPaymu signed is not settled (PROTOCOL.md, "What iPaymu's own code
/// does"), so <see cref="Verify"/> accepts any form the plugin or the docs accept: non-ASCII as
/// <c>\uXXXX</c> (docs) or raw UTF-8 (plugin, JSON_UNESCAPED_UNICODE); <c>payment_no: ""</c> added
/// when absent or null (plugin); and each of those with empty and null fields removed (the plugin's
/// second, "cleaned" attempt). Every candidate is compared, each in constant time.
/// </summary>
public static class CallbackSignature
{
    private static readonly HashSet<string> IntegerFields =
        new(StringComparer.Ordinal) { "trx_id", "status_code", "transaction_status_code", "paid_off" };

    /// <summary>One normalized field value: a string, an integer, a boolean, null, or JSON as it came.</summary>
    private readonly record struct Value(JsonValueKind Kind, string? Text = null, long Integer = 0, JsonElement Json = default, bool IsInteger = false)
    {
        public bool IsEmpty => Kind == JsonValueKind.Null || (Kind == JsonValueKind.String && Text!.Length == 0);
    }

    /// <summary>The docs' form (escaped non-ASCII, fields as received): the one iPaymu's Postman example was signed over.</summary>
    public static string Canonicalize(IPaymuCallback callback) =>
        Write(Normalize(callback, addPaymentNo: false), PhpJsonFlags.Default, cleaned: false);

    /// <summary>Every distinct canonical form a genuine signature may have been computed over.</summary>
    public static IReadOnlyList<string> Candidates(IPaymuCallback callback)
    {
        var forms = new List<string>(8);
        foreach (var addPaymentNo in (ReadOnlySpan<bool>)[false, true])
        {
            var fields = Normalize(callback, addPaymentNo);
            foreach (var flags in (ReadOnlySpan<PhpJsonFlags>)[PhpJsonFlags.Default, PhpJsonFlags.UnescapedUnicode])
            {
                foreach (var cleaned in (ReadOnlySpan<bool>)[false, true])
                {
                    var form = Write(fields, flags, cleaned);
                    if (!forms.Contains(form, StringComparer.Ordinal))
                    {
                        forms.Add(form);
                    }
                }
            }
        }
        return forms;
    }

    /// <summary>The signature of the docs' form (what the stand-in sends).</summary>
    public static string Compute(IPaymuCallback callback, string va) => Hmac(Canonicalize(callback), va);

    /// <summary>True when <paramref name="signature"/> matches any candidate form; each compared in constant time, all of them always.</summary>
    public static bool Verify(IPaymuCallback callback, string va, string? signature)
    {
        if (string.IsNullOrWhiteSpace(signature) || string.IsNullOrEmpty(va))
        {
            return false;
        }
        var given = Encoding.ASCII.GetBytes(signature.Trim().ToLowerInvariant());
        var matched = false;
        foreach (var form in Candidates(callback))
        {
            matched |= CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Hmac(form, va)), given);
        }
        return matched;
    }

    private static string Hmac(string canonical, string va) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(va), Encoding.UTF8.GetBytes(canonical)));

    private static SortedDictionary<string, Value> Normalize(IPaymuCallback callback, bool addPaymentNo)
    {
        var fields = new SortedDictionary<string, Value>(StringComparer.Ordinal);
        foreach (var (key, text) in callback.ByName)
        {
            if (key == "signature")
            {
                continue;
            }
            var hasJson = callback.TryGetJson(key, out var json);
            fields[key] = key switch
            {
                _ when hasJson && json.ValueKind == JsonValueKind.Null => new Value(JsonValueKind.Null),
                _ when !hasJson && text is null => new Value(JsonValueKind.Null),
                "additional_info" => AdditionalInfo(hasJson ? json : null, text),
                _ when IntegerFields.Contains(key) => new Value(JsonValueKind.Number,
                    Integer: hasJson ? PhpCasts.ToInt(json) : PhpCasts.ToInt(text!), IsInteger: true),
                "is_escrow" => (hasJson ? PhpCasts.ToBool(json) : PhpCasts.ToBool(text!))
                    ? new Value(JsonValueKind.True) : new Value(JsonValueKind.False),
                // A JSON string: the cleaned text (SafeText), as the field's value is stored.
                _ when hasJson && json.ValueKind != JsonValueKind.String => new Value(json.ValueKind, Json: json),
                _ => new Value(JsonValueKind.String, Text: text ?? ""),
            };
        }
        if (!fields.TryGetValue("additional_info", out var info) || info.Kind == JsonValueKind.Null)
        {
            fields["additional_info"] = EmptyArray;
        }
        if (addPaymentNo && (!fields.TryGetValue("payment_no", out var no) || no.Kind == JsonValueKind.Null))
        {
            fields["payment_no"] = new Value(JsonValueKind.String, Text: "");
        }
        return fields;
    }

    private static readonly Value EmptyArray = new(JsonValueKind.Array, Text: "[]");

    // A structure is kept; a string holding a JSON array or object is decoded; anything else is [].
    private static Value AdditionalInfo(JsonElement? json, string? text)
    {
        if (json is { ValueKind: JsonValueKind.Array or JsonValueKind.Object } structure)
        {
            return new Value(structure.ValueKind, Json: structure);
        }
        if (string.IsNullOrWhiteSpace(text))
        {
            return EmptyArray;
        }
        try
        {
            using var doc = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 16 });
            return doc.RootElement.ValueKind is JsonValueKind.Array or JsonValueKind.Object
                ? new Value(doc.RootElement.ValueKind, Json: doc.RootElement.Clone())
                : EmptyArray;
        }
        catch (JsonException)
        {
            return EmptyArray;
        }
    }

    private static string Write(SortedDictionary<string, Value> fields, PhpJsonFlags flags, bool cleaned)
    {
        var sb = new StringBuilder(768);
        sb.Append('{');
        var first = true;
        foreach (var (key, value) in fields)
        {
            if (cleaned && value.IsEmpty)
            {
                continue;
            }
            sb.Append(first ? "" : ",");
            first = false;
            PhpJson.WriteString(sb, key, flags);
            sb.Append(':');
            switch (value.Kind)
            {
                case JsonValueKind.String:
                    PhpJson.WriteString(sb, value.Text!, flags);
                    break;
                case JsonValueKind.Number when value.IsInteger:
                    sb.Append(value.Integer.ToString(CultureInfo.InvariantCulture));
                    break;
                case JsonValueKind.True:
                    sb.Append("true");
                    break;
                case JsonValueKind.False:
                    sb.Append("false");
                    break;
                case JsonValueKind.Null:
                    sb.Append("null");
                    break;
                case JsonValueKind.Array when value.Text == "[]":
                    sb.Append("[]");
                    break;
                default:
                    // json_decode($body, true) then json_encode: PHP arrays, not objects.
                    PhpJson.Write(sb, value.Json, flags, assoc: true);
                    break;
            }
        }
        sb.Append('}');
        return sb.ToString();
    }
}
