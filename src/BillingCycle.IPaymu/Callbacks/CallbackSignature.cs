using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace BillingCycle.IPaymu.Callbacks;

/// <summary>
/// iPaymu's callback X-Signature: HMAC-SHA256, keyed by the merchant VA number, over a canonical
/// JSON of the callback fields, written the way PHP's json_encode writes it:
/// - the 'signature' field is dropped;
/// - trx_id, status_code, transaction_status_code, paid_off become integers; is_escrow a boolean;
///   additional_info an array ([] when absent); every other value stays a string;
/// - keys sorted ordinally; compact; '/' written '\/'; non-ASCII as lowercase \uXXXX.
/// </summary>
public static class CallbackSignature
{
    private static readonly HashSet<string> IntegerFields =
        new(StringComparer.Ordinal) { "trx_id", "status_code", "transaction_status_code", "paid_off" };

    public static string Canonicalize(IPaymuCallback callback)
    {
        var fields = new SortedDictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (k, v) in callback.ByName)
        {
            if (k != "signature")
            {
                fields[k] = v;
            }
        }

        var sb = new StringBuilder(512);
        sb.Append('{');
        var first = true;
        if (!fields.ContainsKey("additional_info"))
        {
            fields["additional_info"] = null;
        }
        foreach (var (key, value) in fields)
        {
            if (!first)
            {
                sb.Append(',');
            }
            first = false;
            WriteString(sb, key);
            sb.Append(':');
            if (IntegerFields.Contains(key))
            {
                sb.Append(PhpIntval(value).ToString(CultureInfo.InvariantCulture));
            }
            else if (key == "is_escrow")
            {
                sb.Append(IsTrue(value) ? "true" : "false");
            }
            else if (key == "additional_info")
            {
                WriteArray(sb, value);
            }
            else
            {
                WriteString(sb, value ?? "");
            }
        }
        sb.Append('}');
        return sb.ToString();
    }

    public static string Compute(IPaymuCallback callback, string va) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(
            Encoding.UTF8.GetBytes(va), Encoding.UTF8.GetBytes(Canonicalize(callback))));

    /// <summary>True when <paramref name="signature"/> matches; compared in constant time.</summary>
    public static bool Verify(IPaymuCallback callback, string va, string? signature)
    {
        if (string.IsNullOrWhiteSpace(signature) || string.IsNullOrEmpty(va))
        {
            return false;
        }
        var expected = Encoding.ASCII.GetBytes(Compute(callback, va));
        var given = Encoding.ASCII.GetBytes(signature.Trim().ToLowerInvariant());
        return CryptographicOperations.FixedTimeEquals(expected, given);
    }

    // PHP intval(): optional leading spaces and sign, then the leading digits; anything else is 0.
    private static long PhpIntval(string? s)
    {
        if (s is null)
        {
            return 0;
        }
        var t = s.TrimStart();
        var i = 0;
        var negative = false;
        if (i < t.Length && (t[i] == '-' || t[i] == '+'))
        {
            negative = t[i] == '-';
            i++;
        }
        long n = 0;
        var digits = 0;
        while (i < t.Length && char.IsAsciiDigit(t[i]) && digits < 18)
        {
            n = n * 10 + (t[i] - '0');
            i++;
            digits++;
        }
        return negative ? -n : n;
    }

    private static bool IsTrue(string? s) =>
        s is not null && (s.Equals("true", StringComparison.OrdinalIgnoreCase) || s == "1"
                          || s.Equals("yes", StringComparison.OrdinalIgnoreCase) || s.Equals("on", StringComparison.OrdinalIgnoreCase));

    private static void WriteArray(StringBuilder sb, string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            sb.Append("[]");
            return;
        }
        try
        {
            using var doc = JsonDocument.Parse(value);
            WriteElement(sb, doc.RootElement, asArray: true);
        }
        catch (JsonException)
        {
            sb.Append("[]");
        }
    }

    private static void WriteElement(StringBuilder sb, JsonElement e, bool asArray = false)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Array:
                sb.Append('[');
                var i = 0;
                foreach (var item in e.EnumerateArray())
                {
                    if (i++ > 0)
                    {
                        sb.Append(',');
                    }
                    WriteElement(sb, item);
                }
                sb.Append(']');
                break;
            case JsonValueKind.Object:
                sb.Append('{');
                var j = 0;
                foreach (var p in e.EnumerateObject())
                {
                    if (j++ > 0)
                    {
                        sb.Append(',');
                    }
                    WriteString(sb, p.Name);
                    sb.Append(':');
                    WriteElement(sb, p.Value);
                }
                sb.Append('}');
                break;
            case JsonValueKind.String:
                WriteString(sb, e.GetString()!);
                break;
            default:
                if (asArray)
                {
                    sb.Append("[]");
                }
                else
                {
                    sb.Append(e.GetRawText());
                }
                break;
        }
    }

    private static void WriteString(StringBuilder sb, string s)
    {
        sb.Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '/': sb.Append("\\/"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (c < 0x20 || c > 0x7f)
                    {
                        sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }
                    break;
            }
        }
        sb.Append('"');
    }
}
