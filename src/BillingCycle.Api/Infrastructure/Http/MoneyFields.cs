using System.Text.Json;

namespace BillingCycle.Api.Infrastructure.Http;

/// <summary>
/// Fields the operator's money bodies share (contract §13): an amount in whole rupiah and a reason
/// a person wrote. Each read answers the value, or null when it is missing or malformed.
/// </summary>
public static class MoneyFields
{
    /// <summary>Reasons and notes are kept whole in billing_logs and credit notes: 2,000 characters at most.</summary>
    public const int MaxReason = 2000;

    /// <summary>A whole number of rupiah from 1 to 1,000,000,000,000 (a JSON number, no fraction).</summary>
    public static long? Amount(JsonElement root, string name) =>
        root.TryGetProperty(name, out var a) && a.ValueKind == JsonValueKind.Number && a.TryGetInt64(out var v)
        && v is >= 1 and <= 1_000_000_000_000 ? v : null;

    /// <summary>Required text, 1..max characters after trimming, no NUL.</summary>
    public static string? Text(JsonElement root, string name, int max)
    {
        var (value, ok) = JsonBody.OptionalString(root, name, max);
        return ok && value?.Trim() is { Length: > 0 } t ? t : null;
    }

    /// <summary>An optional true/false; Ok false when present and not a boolean.</summary>
    public static (bool Value, bool Ok) Flag(JsonElement root, string name) =>
        !root.TryGetProperty(name, out var f) || f.ValueKind == JsonValueKind.Null ? (false, true)
        : f.ValueKind is JsonValueKind.True or JsonValueKind.False ? (f.GetBoolean(), true)
        : (false, false);
}
