using System.Globalization;
using System.Text.Json;

namespace BillingCycle.Api.Billing;

/// <summary>
/// Tax on invoices (SPEC §7.8): a rate in percent (0 changes nothing), its name, and whether
/// prices include it. The arithmetic is in SQL (billing_invoice_total) so every invoice, whoever
/// creates it, is computed the same way; this is what the functions are given.
/// </summary>
public sealed record TaxSettings(decimal Percent, string Name, bool PricesIncludeTax)
{
    public string ToJson() => JsonSerializer.Serialize(new { rate = Percent, name = Name, inclusive = PricesIncludeTax });

    public static TaxSettings FromConfiguration(IConfiguration c)
    {
        var percent = 0m;
        if (c["BILLING_TAX_PERCENT"] is { Length: > 0 } raw)
        {
            percent = decimal.TryParse(raw, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var p) && p is >= 0 and <= 100
                ? p
                : throw new Infrastructure.StartupException("BILLING_TAX_PERCENT must be a number from 0 to 100, e.g. 11");
        }
        var name = string.IsNullOrWhiteSpace(c["BILLING_TAX_NAME"]) ? "PPN" : c["BILLING_TAX_NAME"]!.Trim();
        if (name.Length > 40)
        {
            throw new Infrastructure.StartupException("BILLING_TAX_NAME must be at most 40 characters");
        }
        var inclusive = (c["BILLING_PRICES_INCLUDE_TAX"] ?? "true").Trim().ToLowerInvariant() switch
        {
            "true" or "1" => true,
            "false" or "0" => false,
            _ => throw new Infrastructure.StartupException("BILLING_PRICES_INCLUDE_TAX must be true or false"),
        };
        return new TaxSettings(percent, name, inclusive);
    }
}
