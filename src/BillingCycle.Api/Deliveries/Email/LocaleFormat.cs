using System.Globalization;
using BillingCycle.Api.Infrastructure.Time;

namespace BillingCycle.Api.Deliveries.Email;

/// <summary>
/// Amounts and dates as each locale writes them (contract §8.2): Rp149.000 and 1 Desember 2026 in
/// Bahasa Indonesia, IDR 149,000 and 1 December 2026 in English. Written out here rather than
/// taken from CultureInfo: the service runs with invariant globalization, and these are the
/// forms the contract names.
/// </summary>
public static class LocaleFormat
{
    public static string Amount(long rupiah, EmailLocale locale)
    {
        var digits = Math.Abs(rupiah).ToString("#,0", CultureInfo.InvariantCulture);
        var sign = rupiah < 0 ? "-" : "";
        return locale == EmailLocale.Indonesian
            ? $"{sign}Rp{digits.Replace(',', '.')}"
            : $"{sign}IDR {digits}";
    }

    /// <summary>A count (credits): 1.000 in Bahasa Indonesia, 1,000 in English.</summary>
    public static string Count(long n, EmailLocale locale)
    {
        var digits = n.ToString("#,0", CultureInfo.InvariantCulture);
        return locale == EmailLocale.Indonesian ? digits.Replace(',', '.') : digits;
    }

    /// <summary>The calendar date in the customers' zone (BILLING_TIME_ZONE).</summary>
    public static string Date(DateTimeOffset at, EmailLocale locale, CustomerTime zone) =>
        zone.Date(at, english: locale == EmailLocale.English);

    /// <summary>22 Desember 2026, 02:00 WIB: date, time and the zone's name.</summary>
    public static string DateTime(DateTimeOffset at, EmailLocale locale, CustomerTime zone) =>
        zone.DateTime(at, english: locale == EmailLocale.English);
}
