using System.Globalization;
using System.Text.Json;

namespace BillingCycle.Api.Billing;

/// <summary>
/// Tax on invoices (contract §7.8, contract §12.1): a rate in percent (0 changes nothing), its name,
/// whether prices include it, and the other base f = n/d (BILLING_TAX_OTHER_BASE, DPP nilai lain:
/// 11/12 under PMK 131/2024; 1/1 leaves the base the price). The arithmetic is in SQL (the invoice
/// composer, db/functions/invoice_composer.sql) so every invoice, whoever creates it, is computed
/// the same way; this is what the functions are given.
/// </summary>
public sealed record TaxSettings(decimal Percent, string Name, bool PricesIncludeTax, int OtherBaseNumerator = 1, int OtherBaseDenominator = 1)
{
    /// <summary>Invoices carry PPN (the seller's tax settings are then required to be well formed).</summary>
    public bool IsOn => Percent > 0;

    /// <summary>f ≠ 1: the faktur uses DPP nilai lain (Coretax transaction code 04).</summary>
    public bool HasOtherBase => OtherBaseNumerator != OtherBaseDenominator;

    public string ToJson() => JsonSerializer.Serialize(new
    {
        rate = Percent, name = Name, inclusive = PricesIncludeTax,
        other_base_n = OtherBaseNumerator, other_base_d = OtherBaseDenominator,
    });

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
        var (n, d) = OtherBase(c["BILLING_TAX_OTHER_BASE"]);
        return new TaxSettings(percent, name, inclusive, n, d);
    }

    /// <summary>"11/12" → (11, 12); unset → (1, 1). A fraction above 1 or of zero is refused.</summary>
    public static (int Numerator, int Denominator) OtherBase(string? raw)
    {
        if (string.IsNullOrWhiteSpace(raw))
        {
            return (1, 1);
        }
        var parts = raw.Split('/', StringSplitOptions.TrimEntries);
        return parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var d)
            && n is > 0 and <= 10_000 && d is > 0 and <= 10_000 && n <= d
            ? (n, d)
            : throw new Infrastructure.StartupException("BILLING_TAX_OTHER_BASE must be a fraction n/d of at most 1, e.g. 11/12");
    }
}
