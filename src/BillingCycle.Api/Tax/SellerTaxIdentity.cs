using System.Text.RegularExpressions;
using BillingCycle.Api.Billing;
using BillingCycle.Api.Infrastructure;

namespace BillingCycle.Api.Tax;

/// <summary>
/// The seller on a faktur (contract §12.3): BILLING_SELLER_NPWP (normalised to 16 digits),
/// BILLING_SELLER_NITKU (default NPWP + 000000), BILLING_TAX_SERVICE_CODE (Coretax's goods/services
/// code, default 000000) and BILLING_TAX_UNIT_CODE (DJP's unit of measure; default UM.0024, "Bulan",
/// the month a subscription bills — the reference list is cited in docs/tax.md). When tax is on, a
/// malformed value stops start-up with one line naming it; when tax is off they are not used.
/// </summary>
public sealed partial record SellerTaxIdentity(string? Npwp, string? Nitku, string ServiceCode, string UnitCode)
{
    public const string DefaultServiceCode = "000000";
    public const string DefaultUnitCode = "UM.0024";

    public static SellerTaxIdentity FromConfiguration(IConfiguration c)
    {
        var taxOn = TaxSettings.FromConfiguration(c).IsOn;
        string? Bad(string message) => taxOn ? throw new StartupException(message) : null;

        var npwp = string.IsNullOrWhiteSpace(c["BILLING_SELLER_NPWP"])
            ? null
            : TaxIds.Npwp(c["BILLING_SELLER_NPWP"]) ?? Bad("BILLING_SELLER_NPWP must be an NPWP of 16 digits (or the 15-digit form), e.g. 0012345678901000");
        string? nitku = null;
        if (npwp is not null)
        {
            nitku = TaxIds.Nitku(c["BILLING_SELLER_NITKU"], npwp)
                ?? Bad("BILLING_SELLER_NITKU must be 22 digits beginning with BILLING_SELLER_NPWP");
        }
        else if (!string.IsNullOrWhiteSpace(c["BILLING_SELLER_NITKU"]))
        {
            Bad("BILLING_SELLER_NITKU needs BILLING_SELLER_NPWP");
        }
        var service = c["BILLING_TAX_SERVICE_CODE"]?.Trim() is { Length: > 0 } s ? s : DefaultServiceCode;
        if (!ServiceCodeShape().IsMatch(service))
        {
            service = Bad("BILLING_TAX_SERVICE_CODE must be Coretax's 6-digit goods/services code, e.g. 000000") ?? DefaultServiceCode;
        }
        var unit = c["BILLING_TAX_UNIT_CODE"]?.Trim() is { Length: > 0 } u ? u : DefaultUnitCode;
        if (!UnitCodeShape().IsMatch(unit))
        {
            unit = Bad("BILLING_TAX_UNIT_CODE must be a unit code of DJP's list, UM. and 4 digits, e.g. UM.0024") ?? DefaultUnitCode;
        }
        return new SellerTaxIdentity(npwp, nitku, service, unit);
    }

    [GeneratedRegex("^[0-9]{6}$")]
    private static partial Regex ServiceCodeShape();

    [GeneratedRegex("^UM\\.[0-9]{4}$")]
    private static partial Regex UnitCodeShape();
}
