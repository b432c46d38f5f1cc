using System.Globalization;

namespace BillingCycle.Api.Deliveries.Email;

/// <summary>
/// Amounts and dates as each locale writes them (SPEC §8.2): Rp149.000 and 1 Desember 2026 in
/// Bahasa Indonesia, IDR 149,000 and 1 December 2026 in English. Written out here rather than
/// taken from CultureInfo: the service runs with invariant globalization, and these are the
/// forms the SPEC names.
/// </summary>
public static class LocaleFormat
{
    private static readonly string[] IndonesianMonths =
        ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober", "November", "Desember"];

    private static readonly string[] EnglishMonths =
        ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

    public static string Amount(long rupiah, EmailLocale locale)
    {
        var digits = Math.Abs(rupiah).ToString("#,0", CultureInfo.InvariantCulture);
        var sign = rupiah < 0 ? "-" : "";
        return locale == EmailLocale.Indonesian
            ? $"{sign}Rp{digits.Replace(',', '.')}"
            : $"{sign}IDR {digits}";
    }

    /// <summary>The calendar date in UTC, the billing clock's zone.</summary>
    public static string Date(DateTimeOffset at, EmailLocale locale)
    {
        var d = at.UtcDateTime;
        var month = (locale == EmailLocale.Indonesian ? IndonesianMonths : EnglishMonths)[d.Month - 1];
        return string.Create(CultureInfo.InvariantCulture, $"{d.Day} {month} {d.Year}");
    }

    public static string DateTime(DateTimeOffset at, EmailLocale locale) =>
        string.Create(CultureInfo.InvariantCulture, $"{Date(at, locale)}, {at.UtcDateTime:HH:mm} UTC");
}
