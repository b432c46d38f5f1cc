using System.Text;

namespace BillingCycle.Api.Billing.Links;

/// <summary>
/// Buyer fields as iPaymu signs them best: plain ASCII. iPaymu appears to re-encode the body
/// before hashing, so accents in names and '+' in phone numbers are known signature traps.
/// </summary>
public static class BuyerDetails
{
    private const string Accented = "ÀÁÂÃÄÅàáâãäåÇçÈÉÊËèéêëÌÍÎÏìíîïÑñÒÓÔÕÖØòóôõöøÙÚÛÜùúûüÝýÿŠšŽžĀāĒēĪīŌōŪū";
    private const string Plain = "AAAAAAaaaaaaCcEEEEeeeeIIIIiiiiNnOOOOOOooooooUUUUuuuuYyySsZzAaEeIiOoUu";

    public static string Name(string? fullName, string? email, string userId)
    {
        var source = !string.IsNullOrWhiteSpace(fullName) ? fullName : !string.IsNullOrWhiteSpace(email) ? email.Split('@')[0] : userId;
        var sb = new StringBuilder(source.Length);
        foreach (var c in source)
        {
            // The service runs with invariant globalization (no ICU), so accents are folded by table.
            var i = Accented.IndexOf(c, StringComparison.Ordinal);
            var folded = i >= 0 ? Plain[i] : c;
            if (folded is >= ' ' and <= '~')
            {
                sb.Append(folded);
            }
        }
        var name = sb.ToString().Trim();
        return name.Length == 0 ? "Customer" : name.Length > 100 ? name[..100] : name;
    }

    /// <summary>Digits only, Indonesian local form: +62 812... becomes 0812...</summary>
    public static string Phone(string? phone)
    {
        var digits = new string((phone ?? "").Where(char.IsAsciiDigit).ToArray());
        if (digits.StartsWith("62", StringComparison.Ordinal) && digits.Length > 9)
        {
            digits = "0" + digits[2..];
        }
        return digits.Length == 0 ? "080000000000" : digits;
    }

    public static string Email(string? email, string userId) =>
        !string.IsNullOrWhiteSpace(email) && email.Contains('@', StringComparison.Ordinal) && email.All(c => c is > ' ' and <= '~')
            ? email.Trim()
            : $"{new string(userId.Where(char.IsAsciiLetterOrDigit).ToArray())}@no-email.invalid";
}
