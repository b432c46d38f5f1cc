namespace BillingCycle.Api.Tax;

/// <summary>Which identity a buyer gives for the faktur (contract §12.2).</summary>
public enum TaxIdType { Npwp, Nik, Passport }

/// <summary>A buyer's (or the seller's) tax identity, normalised: digits only, NITKU filled in.</summary>
public sealed record TaxIdentity(TaxIdType Type, string TaxId, string? Nitku);

/// <summary>
/// The shapes DJP gives tax numbers (contract §12.2, §12.3), and how people type them. An NPWP is
/// 16 digits; the 15-digit form of before 2024 is the same number with a leading 0. Dots, dashes
/// and spaces as printed on an NPWP card (<c>01.234.567.8-901.000</c>) are accepted and dropped:
/// refusing them would only make the customer retype what their card shows (docs/tax.md). Letters,
/// any other character, or any other number of digits are refused.
/// </summary>
public static class TaxIds
{
    public const int NpwpDigits = 16;
    public const int NitkuDigits = 22;
    public const string HeadOfficeSuffix = "000000";

    /// <summary>16 digits, or 15 made 16 with a leading 0; null when it is not an NPWP.</summary>
    public static string? Npwp(string? text) => Digits(text, allowSeparators: true) switch
    {
        { Length: 16 } d => d,
        { Length: 15 } d => "0" + d,
        _ => null,
    };

    /// <summary>A NIK: 16 digits (spaces allowed as typed).</summary>
    public static string? Nik(string? text) => Digits(text, allowSeparators: true) is { Length: 16 } d ? d : null;

    /// <summary>NITKU: 22 digits beginning with the NPWP; unset means the head office, NPWP + 000000.</summary>
    public static string? Nitku(string? text, string npwp)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return npwp + HeadOfficeSuffix;
        }
        return Digits(text, allowSeparators: true) is { Length: NitkuDigits } d && d.StartsWith(npwp, StringComparison.Ordinal) ? d : null;
    }

    /// <summary>A passport number: 5–20 letters and digits, kept upper case.</summary>
    public static string? Passport(string? text)
    {
        var t = text?.Trim().ToUpperInvariant();
        return t is { Length: >= 5 and <= 20 } && t.All(ch => char.IsAsciiDigit(ch) || ch is >= 'A' and <= 'Z') ? t : null;
    }

    /// <summary>The digits of a number typed with dots, dashes and spaces; null on any other character.</summary>
    private static string? Digits(string? text, bool allowSeparators)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }
        var t = text.Trim();
        if (t.Any(ch => !char.IsAsciiDigit(ch) && !(allowSeparators && ch is '.' or '-' or ' ')))
        {
            return null;
        }
        return string.Concat(t.Where(char.IsAsciiDigit));
    }
}
