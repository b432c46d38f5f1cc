using System.Globalization;
using System.Text.Json;
using BillingCycle.IPaymu.Signing;

namespace BillingCycle.IPaymu.Callbacks;

/// <summary>
/// The PHP conversions iPaymu's WooCommerce plugin applies to callback fields before it signs
/// them (<c>(int)</c> and <c>filter_var(..., FILTER_VALIDATE_BOOLEAN)</c>), checked against PHP 8.2.
/// </summary>
public static class PhpCasts
{
    /// <summary>
    /// <c>(int)$string</c>: leading whitespace, then the longest numeric prefix (sign, digits, a
    /// fraction, an exponent: "1e3" is 1000, "12.7" is 12, ".5" is 0); no digits gives 0; an
    /// integer too large saturates.
    /// </summary>
    public static long ToInt(string s)
    {
        var i = 0;
        while (i < s.Length && s[i] is ' ' or '\t' or '\n' or '\r' or '\v' or '\f')
        {
            i++;
        }
        var start = i;
        if (i < s.Length && s[i] is '+' or '-')
        {
            i++;
        }
        var intDigits = CountDigits(s, ref i);
        var fracDigits = 0;
        var isFloat = false;
        if (i < s.Length && s[i] == '.')
        {
            var j = i + 1;
            fracDigits = CountDigits(s, ref j);
            if (intDigits + fracDigits > 0)
            {
                i = j;
                isFloat = true;
            }
        }
        if (intDigits + fracDigits == 0)
        {
            return 0;
        }
        if (i < s.Length && s[i] is 'e' or 'E')
        {
            var j = i + 1;
            if (j < s.Length && s[j] is '+' or '-')
            {
                j++;
            }
            if (CountDigits(s, ref j) > 0)
            {
                i = j;
                isFloat = true;
            }
        }
        var number = s[start..i];
        if (!isFloat)
        {
            return long.TryParse(number, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l)
                ? l
                : number.StartsWith('-') ? long.MinValue : long.MaxValue;
        }
        var d = double.Parse(number, NumberStyles.Float, CultureInfo.InvariantCulture);
        // A numeric string's float is capped to the integer range; INF (1e1000) gives 0.
        return !double.IsFinite(d) ? 0 : d >= 9.2233720368547758E18 ? long.MaxValue : d <= -9.2233720368547758E18 ? long.MinValue : (long)d;
    }

    /// <summary><c>(int)$float</c>: truncated; outside the integer range PHP 8 wraps modulo 2^64; NAN and INF give 0.</summary>
    public static long ToInt(double d)
    {
        if (!double.IsFinite(d))
        {
            return 0;
        }
        if (d is > -9.2233720368547758E18 and < 9.2233720368547758E18)
        {
            return (long)d;
        }
        const double TwoTo64 = 18446744073709551616.0;
        var m = Math.Truncate(d) % TwoTo64;
        if (m < 0)
        {
            m += TwoTo64;
        }
        return m >= 9.2233720368547758E18 ? (long)(m - TwoTo64) : (long)m;
    }

    /// <summary><c>(int)</c> of what json_decode made of a JSON value.</summary>
    public static long ToInt(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => ToInt(e.GetString()!),
        JsonValueKind.Number => PhpJson.IsIntegerLiteral(e.GetRawText()) && e.TryGetInt64(out var l)
            ? l
            : ToInt(e.GetDouble()),
        JsonValueKind.True => 1,
        JsonValueKind.Array => e.GetArrayLength() > 0 ? 1 : 0,
        JsonValueKind.Object => e.EnumerateObject().Any() ? 1 : 0,
        _ => 0,
    };

    /// <summary><c>filter_var($s, FILTER_VALIDATE_BOOLEAN)</c>: "1", "true", "on", "yes" (any case, trimmed) are true; anything else false.</summary>
    public static bool ToBool(string s) =>
        s.Trim(' ', '\t', '\n', '\r', '\v', '\0').ToLowerInvariant() is "1" or "true" or "on" or "yes";

    /// <summary><c>filter_var</c> of what json_decode made of a JSON value (a number is read as its text, an array is false).</summary>
    public static bool ToBool(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.String => ToBool(e.GetString()!),
        JsonValueKind.Number => ToBool(NumberText(e)),
        _ => false,
    };

    private static string NumberText(JsonElement e)
    {
        var sb = new System.Text.StringBuilder();
        PhpJson.WriteNumber(sb, e.GetRawText());
        return sb.ToString();
    }

    private static int CountDigits(string s, ref int i)
    {
        var n = 0;
        while (i < s.Length && char.IsAsciiDigit(s[i]))
        {
            i++;
            n++;
        }
        return n;
    }
}
