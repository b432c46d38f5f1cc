using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace BillingCycle.IPaymu.StandIn;

/// <summary>
/// Reads request fields the way iPaymu's PHP back end does: loosely typed. iPaymu's own PHP
/// library sends numbers as strings (<c>"price":["150000"]</c>, <c>"qty":["1"]</c>, from
/// <c>trim(floatval(...))</c>), this service and the WooCommerce plugin send JSON numbers; both are
/// accepted. A value that is neither a number nor a numeric string reads as absent (so the
/// endpoint answers 400, not 500).
/// </summary>
internal static class RequestFields
{
    public static string? Str(JsonNode? node) => node switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => v.ToJsonString(),
        _ => null,
    };

    public static decimal? Number(JsonNode? node)
    {
        var text = node switch
        {
            JsonValue v when v.GetValueKind() == JsonValueKind.Number => v.ToJsonString(),
            JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>().Trim(),
            _ => null,
        };
        return text is not null && decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : null;
    }

    public static long? WholeNumber(JsonNode? node) =>
        Number(node) is { } d && d == decimal.Truncate(d) && d is >= long.MinValue and <= long.MaxValue ? (long)d : null;

    public static int? Int(JsonNode? node) =>
        WholeNumber(node) is { } l && l is >= int.MinValue and <= int.MaxValue ? (int)l : null;

    /// <summary>An array of numbers or numeric strings; null when absent, not an array, or holding anything else.</summary>
    public static IReadOnlyList<decimal>? Numbers(JsonNode? node)
    {
        if (node is not JsonArray array)
        {
            return null;
        }
        var list = new List<decimal>(array.Count);
        foreach (var item in array)
        {
            if (Number(item) is not { } d)
            {
                return null;
            }
            list.Add(d);
        }
        return list;
    }
}
