using System.Globalization;
using System.Text;
using System.Text.Json;

namespace BillingCycle.Api.Console;

/// <summary>
/// A billing log's <c>details</c> JSON as a person reads it on the timeline: <c>key: value</c>
/// pairs, nested objects as <c>outer.inner</c>, lists joined by commas. Long details end at a
/// whole pair or word with an ellipsis, never inside a word (the full JSON is in billing_logs).
/// </summary>
public static class LogDetails
{
    public const int MaxLength = 400;

    public static string? Readable(string? json, int max = MaxLength)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return null;
        }
        var pairs = new List<string>();
        try
        {
            using var doc = JsonDocument.Parse(json);
            Flatten(doc.RootElement, "", pairs);
        }
        catch (JsonException)
        {
            return Shorten(json.Trim(), max);
        }
        return pairs.Count == 0 ? null : Shorten(string.Join(", ", pairs), max);
    }

    private static void Flatten(JsonElement e, string prefix, List<string> pairs)
    {
        if (e.ValueKind == JsonValueKind.Object)
        {
            foreach (var p in e.EnumerateObject())
            {
                Flatten(p.Value, prefix.Length == 0 ? p.Name : $"{prefix}.{p.Name}", pairs);
            }
            return;
        }
        if (e.ValueKind == JsonValueKind.Null)
        {
            return;
        }
        var value = Scalar(e);
        pairs.Add(prefix.Length == 0 ? value : $"{prefix}: {value}");
    }

    private static string Scalar(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString() ?? "",
        JsonValueKind.Number => e.TryGetInt64(out var l) ? l.ToString("#,0", CultureInfo.InvariantCulture) : e.GetRawText(),
        JsonValueKind.True => "yes",
        JsonValueKind.False => "no",
        JsonValueKind.Array => string.Join(", ", e.EnumerateArray().Select(Scalar)),
        JsonValueKind.Object => e.GetRawText(),
        _ => "",
    };

    /// <summary>At most <paramref name="max"/> characters, cut at the last space before the limit.</summary>
    public static string Shorten(string text, int max)
    {
        if (text.Length <= max)
        {
            return text;
        }
        var cut = text.LastIndexOf(' ', max - 1);
        var head = (cut > max / 2 ? text[..cut] : text[..(max - 1)]).TrimEnd(',', ';', ' ');
        return new StringBuilder(head).Append(" …").ToString();
    }
}
