using System.Globalization;
using System.Text.Json;

namespace BillingCycle.IPaymu.Http;

/// <summary>
/// Tolerant reading of iPaymu's answers: keys in any case (SessionID / SessionId), numbers that
/// arrive as strings, dates as "yyyy-MM-dd HH:mm:ss" (UTC+7), null or "-".
/// </summary>
internal static class Envelope
{
    private static readonly TimeSpan Wib = TimeSpan.FromHours(7);

    public static JsonElement? Get(this JsonElement obj, params string[] names)
    {
        if (obj.ValueKind != JsonValueKind.Object)
        {
            return null;
        }
        foreach (var p in obj.EnumerateObject())
        {
            foreach (var n in names)
            {
                if (string.Equals(p.Name, n, StringComparison.OrdinalIgnoreCase))
                {
                    return p.Value;
                }
            }
        }
        return null;
    }

    public static string? Str(this JsonElement obj, params string[] names)
    {
        var v = obj.Get(names);
        return v?.ValueKind switch
        {
            JsonValueKind.String => v.Value.GetString() is { Length: > 0 } s && s != "-" ? s : null,
            JsonValueKind.Number => v.Value.GetRawText(),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            _ => null,
        };
    }

    public static long? Long(this JsonElement obj, params string[] names)
    {
        var s = obj.Str(names);
        if (s is null)
        {
            return null;
        }
        if (long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l))
        {
            return l;
        }
        return decimal.TryParse(s, NumberStyles.Number, CultureInfo.InvariantCulture, out var d)
            ? (long)decimal.Round(d, MidpointRounding.AwayFromZero)
            : null;
    }

    public static int? Int(this JsonElement obj, params string[] names) =>
        obj.Long(names) is { } l && l is >= int.MinValue and <= int.MaxValue ? (int)l : null;

    public static DateTimeOffset? Date(this JsonElement obj, params string[] names)
    {
        var s = obj.Str(names);
        if (s is null)
        {
            return null;
        }
        if (DateTime.TryParseExact(s, "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
        {
            return new DateTimeOffset(local, Wib);
        }
        return DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var any) ? any : null;
    }
}
