using System.Text;

namespace BillingCycle.IPaymu.Callbacks;

/// <summary>
/// Text a database can keep: PostgreSQL's text and jsonb refuse NUL and unpaired UTF-16
/// surrogates, so a hostile callback carrying them would fail to store and be resent forever.
/// iPaymu never sends either; replacing them with U+FFFD changes nothing genuine.
/// </summary>
public static class SafeText
{
    public static string Clean(string s)
    {
        var i = 0;
        for (; i < s.Length; i++)
        {
            if (s[i] == '\0' || char.IsSurrogate(s[i]))
            {
                break;
            }
        }
        if (i == s.Length)
        {
            return s; // the common case: nothing to replace, no copy
        }
        var sb = new StringBuilder(s.Length).Append(s, 0, i);
        for (; i < s.Length; i++)
        {
            var c = s[i];
            if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            {
                sb.Append(c).Append(s[++i]);
            }
            else
            {
                sb.Append(c == '\0' || char.IsSurrogate(c) ? '\uFFFD' : c);
            }
        }
        return sb.ToString();
    }
}
