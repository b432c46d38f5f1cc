using System.Globalization;
using System.Text.Json;

namespace BillingCycle.Api.Invoices;

/// <summary>
/// A credit pack's row on the pay page and in the PDF (contract §11.4), in the page's language:
/// "Paket kredit Top-up 1K: 1.000 kredit scraper" / "Credit pack Top-up 1K: 1,000 scraper credits".
/// Its own file so the words of packs stay in one place beside <see cref="PayPageText"/>.
/// </summary>
public static class CreditPackLine
{
    public static string Label(JsonElement items, string lang)
    {
        var name = Str(items, "pack_name");
        var type = Str(items, "credit_type");
        var credits = items.ValueKind == JsonValueKind.Object && items.TryGetProperty("credits", out var c) && c.TryGetInt64(out var n) ? n : 0;
        var count = credits.ToString("#,0", CultureInfo.InvariantCulture);
        return lang == "en"
            ? $"Credit pack {name}: {count} {type} credits"
            : $"Paket kredit {name}: {count.Replace(',', '.')} kredit {(type == "interaction" ? "interaksi" : type)}";
    }

    private static string Str(JsonElement items, string name) =>
        items.ValueKind == JsonValueKind.Object && items.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String
            ? v.GetString()!
            : "";
}
