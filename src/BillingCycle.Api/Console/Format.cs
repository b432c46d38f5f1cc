using System.Globalization;
using System.Text.Json;

namespace BillingCycle.Api.Console;

/// <summary>How the console writes money, times and JSON evidence.</summary>
public static class Format
{
    /// <summary>Whole rupiah as the seed's messages write them: IDR 149,000 (contract §4.1).</summary>
    public static string Idr(long amount) => "IDR " + amount.ToString("#,0", CultureInfo.InvariantCulture);

    public static string Time(DateTimeOffset? at) =>
        at is { } t ? t.ToUniversalTime().ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + " UTC" : "—";

    public static string Date(DateTimeOffset? at) =>
        at is { } t ? t.ToUniversalTime().ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : "—";

    /// <summary>Machine-readable ISO-8601 for &lt;time datetime&gt;.</summary>
    public static string Iso(DateTimeOffset at) => at.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    public static string Number(long n) => n.ToString("#,0", CultureInfo.InvariantCulture);

    public static string Percent(double ratio) => ratio.ToString("0.0%", CultureInfo.InvariantCulture);

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>Stored JSON (a callback, iPaymu's answer) indented for reading; shown encoded, never as markup.</summary>
    public static string Json(string? raw)
    {
        if (string.IsNullOrEmpty(raw))
        {
            return "—";
        }
        try
        {
            using var doc = JsonDocument.Parse(raw);
            return JsonSerializer.Serialize(doc.RootElement, Indented);
        }
        catch (JsonException)
        {
            return raw;
        }
    }
}
