using System.Globalization;
using System.Text;
using System.Text.Json;

namespace BillingCycle.IPaymu.Signing;

/// <summary>The json_encode flags iPaymu's own code uses.</summary>
/// <param name="EscapeSlashes">false: JSON_UNESCAPED_SLASHES ('/' raw); true: '/' written '\/'.</param>
/// <param name="EscapeUnicode">false: JSON_UNESCAPED_UNICODE (non-ASCII raw UTF-8); true: lowercase \uXXXX.</param>
public readonly record struct PhpJsonFlags(bool EscapeSlashes, bool EscapeUnicode)
{
    /// <summary>json_encode($data, JSON_UNESCAPED_SLASHES): what iPaymu's PHP library signs and sends.</summary>
    public static readonly PhpJsonFlags UnescapedSlashes = new(EscapeSlashes: false, EscapeUnicode: true);

    /// <summary>json_encode($data): the docs' callback snippet.</summary>
    public static readonly PhpJsonFlags Default = new(EscapeSlashes: true, EscapeUnicode: true);

    /// <summary>json_encode($data, JSON_UNESCAPED_UNICODE): the WooCommerce plugin's callback check.</summary>
    public static readonly PhpJsonFlags UnescapedUnicode = new(EscapeSlashes: true, EscapeUnicode: false);
}

/// <summary>
/// PHP's json_encode, byte for byte (checked against PHP 8.2, vectors in the unit tests):
/// compact; '"' '\' and control characters escaped (\b \f \n \r \t, others \u00xx); DEL (U+007F)
/// and + &lt; &gt; &amp; ' raw; '/' as the flags say; non-ASCII as lowercase \uXXXX (astral
/// characters as a surrogate pair) or raw UTF-8, U+2028/U+2029 escaped even then; integers as
/// written, floats in PHP's shortest form (1.0e+25, 0.0001, 1.0e-5). With <c>assoc</c> a JSON value
/// is written as PHP writes what <c>json_decode($json, true)</c> gave: an empty object becomes
/// <c>[]</c> and an object keyed "0".."n-1" in order becomes a list.
/// </summary>
public static class PhpJson
{
    public static string Encode(JsonElement value, PhpJsonFlags flags, bool assoc = false)
    {
        var sb = new StringBuilder(256);
        Write(sb, value, flags, assoc);
        return sb.ToString();
    }

    public static void Write(StringBuilder sb, JsonElement value, PhpJsonFlags flags, bool assoc)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object when assoc && IsList(value):
                WriteArray(sb, value.EnumerateObject().Select(p => p.Value), flags, assoc);
                break;
            case JsonValueKind.Object:
                sb.Append('{');
                var first = true;
                foreach (var p in value.EnumerateObject())
                {
                    sb.Append(first ? "" : ",");
                    first = false;
                    WriteString(sb, p.Name, flags);
                    sb.Append(':');
                    Write(sb, p.Value, flags, assoc);
                }
                sb.Append('}');
                break;
            case JsonValueKind.Array:
                WriteArray(sb, value.EnumerateArray(), flags, assoc);
                break;
            case JsonValueKind.String:
                WriteString(sb, value.GetString()!, flags);
                break;
            case JsonValueKind.Number:
                WriteNumber(sb, value.GetRawText());
                break;
            case JsonValueKind.True:
                sb.Append("true");
                break;
            case JsonValueKind.False:
                sb.Append("false");
                break;
            default:
                sb.Append("null");
                break;
        }
    }

    private static void WriteArray(StringBuilder sb, IEnumerable<JsonElement> items, PhpJsonFlags flags, bool assoc)
    {
        sb.Append('[');
        var first = true;
        foreach (var item in items)
        {
            sb.Append(first ? "" : ",");
            first = false;
            Write(sb, item, flags, assoc);
        }
        sb.Append(']');
    }

    // A PHP array is written as a list when its keys are 0..n-1 in order; json_decode turns the
    // object keys "0", "1"... into those integers (but not "00" or "-0").
    private static bool IsList(JsonElement obj)
    {
        var i = 0;
        foreach (var p in obj.EnumerateObject())
        {
            if (p.Name != i.ToString(CultureInfo.InvariantCulture))
            {
                return false;
            }
            i++;
        }
        return true;
    }

    public static void WriteString(StringBuilder sb, string s, PhpJsonFlags flags)
    {
        sb.Append('"');
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            switch (c)
            {
                case '"': sb.Append("\\\""); continue;
                case '\\': sb.Append("\\\\"); continue;
                case '/': sb.Append(flags.EscapeSlashes ? "\\/" : "/"); continue;
                case '\b': sb.Append("\\b"); continue;
                case '\f': sb.Append("\\f"); continue;
                case '\n': sb.Append("\\n"); continue;
                case '\r': sb.Append("\\r"); continue;
                case '\t': sb.Append("\\t"); continue;
            }
            if (c < 0x20)
            {
                Escape(sb, c);
            }
            else if (c < 0x80)
            {
                sb.Append(c); // DEL (U+007F) included: PHP leaves it raw
            }
            else if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            {
                if (flags.EscapeUnicode)
                {
                    Escape(sb, c);
                    Escape(sb, s[i + 1]);
                }
                else
                {
                    sb.Append(c).Append(s[i + 1]);
                }
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                // PHP refuses invalid UTF-8 outright; .NET would send U+FFFD for it, so write that.
                if (flags.EscapeUnicode)
                {
                    Escape(sb, '\uFFFD');
                }
                else
                {
                    sb.Append('\uFFFD');
                }
            }
            else if (flags.EscapeUnicode || c is '\u2028' or '\u2029')
            {
                Escape(sb, c);
            }
            else
            {
                sb.Append(c);
            }
        }
        sb.Append('"');
    }

    private static void Escape(StringBuilder sb, char c) =>
        sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));

    /// <summary>A JSON number as PHP writes what json_decode made of it (an int when it is an integer literal that fits, else a float).</summary>
    public static void WriteNumber(StringBuilder sb, string rawJsonNumber)
    {
        if (IsIntegerLiteral(rawJsonNumber) && long.TryParse(rawJsonNumber, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
        {
            sb.Append(l.ToString(CultureInfo.InvariantCulture));
        }
        else
        {
            sb.Append(FormatFloat(double.Parse(rawJsonNumber, NumberStyles.Float, CultureInfo.InvariantCulture)));
        }
    }

    public static bool IsIntegerLiteral(string rawJsonNumber) => rawJsonNumber.AsSpan().IndexOfAny(".eE") < 0;

    /// <summary>
    /// A float as json_encode writes it (serialize_precision -1): the shortest round-trip digits,
    /// fixed notation while the decimal exponent is within -4..16, else d.ddde±x (at least one
    /// decimal, "1.0e+25"); no ".0" on whole numbers.
    /// </summary>
    public static string FormatFloat(double d)
    {
        if (!double.IsFinite(d))
        {
            return "0"; // PHP refuses to encode INF/NAN at all; nothing genuine carries them
        }
        var negative = double.IsNegative(d); // -0.0 is written "-0", as PHP does
        var (digits, decpt) = ShortestDigits(Math.Abs(d));
        var sb = new StringBuilder(32);
        if (negative)
        {
            sb.Append('-');
        }
        if (decpt < -3 || decpt > 17)
        {
            sb.Append(digits[0]).Append('.').Append(digits.Length > 1 ? digits[1..] : "0")
              .Append('e').Append(decpt - 1 < 0 ? '-' : '+')
              .Append(Math.Abs(decpt - 1).ToString(CultureInfo.InvariantCulture));
        }
        else if (decpt <= 0)
        {
            sb.Append("0.").Append('0', -decpt).Append(digits);
        }
        else if (decpt < digits.Length)
        {
            sb.Append(digits, 0, decpt).Append('.').Append(digits, decpt, digits.Length - decpt);
        }
        else
        {
            sb.Append(digits).Append('0', decpt - digits.Length);
        }
        return sb.ToString();
    }

    // The shortest digits that round-trip (what .NET's "R" gives) and the decimal point position:
    // value = 0.DIGITS × 10^decpt, as dtoa reports it.
    private static (string Digits, int Decpt) ShortestDigits(double abs)
    {
        if (abs == 0)
        {
            return ("0", 1);
        }
        var r = abs.ToString("R", CultureInfo.InvariantCulture);
        var exponent = 0;
        var e = r.IndexOfAny(['E', 'e']);
        if (e >= 0)
        {
            exponent = int.Parse(r.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            r = r[..e];
        }
        var dot = r.IndexOf('.', StringComparison.Ordinal);
        var intPart = dot < 0 ? r : r[..dot];
        var frac = dot < 0 ? "" : r[(dot + 1)..];
        var all = intPart + frac;
        var decpt = intPart.Length + exponent;
        var lead = 0;
        while (lead < all.Length - 1 && all[lead] == '0')
        {
            lead++;
        }
        all = all[lead..];
        decpt -= lead;
        all = all.TrimEnd('0');
        return (all.Length == 0 ? "0" : all, decpt);
    }
}
