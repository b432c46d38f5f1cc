using BillingCycle.Api.Infrastructure;

namespace BillingCycle.Api.Invoices;

/// <summary>
/// Who sells (contract §7.7): BILLING_SELLER_NAME, BILLING_SELLER_ADDRESS, BILLING_SELLER_NPWP, as the
/// pay page and the PDF invoice print them. Parsed once at start-up (AddInvoices); a bad value
/// stops start-up with one line naming the setting.
/// </summary>
public sealed record SellerDetails(string Name, string? Address, string? Npwp)
{
    /// <summary>The name printed when BILLING_SELLER_NAME is unset.</summary>
    public const string DefaultName = "BillingCycle";

    public const int MaxNameLength = 120;
    public const int MaxAddressLength = 300;

    public static SellerDetails FromConfiguration(IConfiguration c) => new(
        Text(c["BILLING_SELLER_NAME"], "BILLING_SELLER_NAME", MaxNameLength, multiLine: false) ?? DefaultName,
        Text(c["BILLING_SELLER_ADDRESS"], "BILLING_SELLER_ADDRESS", MaxAddressLength, multiLine: true),
        TaxNumber(c["BILLING_SELLER_NPWP"]))
    {
        Nitku = Billing.TaxSettings.FromConfiguration(c).IsOn ? Tax.SellerTaxIdentity.FromConfiguration(c).Nitku : null,
    };

    /// <summary>The seller's NITKU (contract §12.3: BILLING_SELLER_NITKU, default NPWP + 000000), when tax is on and an NPWP is set.</summary>
    public string? Nitku { get; init; }

    /// <summary>The address's lines (a newline, or a literal "\n" as one is written in a .env file, starts a line).</summary>
    public IReadOnlyList<string> AddressLines => Address is null
        ? []
        : Address.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToList();

    private static string? Text(string? value, string name, int max, bool multiLine)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }
        var text = value.Replace("\\n", "\n", StringComparison.Ordinal).Replace("\r\n", "\n", StringComparison.Ordinal).Trim();
        if (text.Length > max)
        {
            throw new StartupException($"{name} must be at most {max} characters");
        }
        if (text.Any(ch => char.IsControl(ch) && !(multiLine && ch == '\n')))
        {
            throw new StartupException(multiLine
                ? $"{name} must be printable text (lines may be separated by \\n)"
                : $"{name} must be printable text on one line");
        }
        return text;
    }

    /// <summary>
    /// The seller's tax number as written on invoices: the 15-digit form (01.234.567.8-901.000) or
    /// the 16-digit one used since 2024; dots, dashes and spaces are kept as given.
    /// </summary>
    private static string? TaxNumber(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }
        var npwp = value.Trim();
        var digits = npwp.Count(char.IsAsciiDigit);
        if (npwp.Any(ch => !char.IsAsciiDigit(ch) && ch is not ('.' or '-' or ' ')) || digits is not (15 or 16))
        {
            throw new StartupException("BILLING_SELLER_NPWP must be 15 or 16 digits, optionally written with dots and dashes (e.g. 01.234.567.8-901.000)");
        }
        return npwp;
    }
}
