using System.Globalization;

namespace BillingCycle.Api.Infrastructure.Time;

/// <summary>
/// The zone every date and time a customer reads is written in (BILLING_TIME_ZONE, default
/// Asia/Jakarta): emails, the pay page, the PDF. Stored times and the billing clock stay UTC;
/// only what is shown moves. A time carries the zone's Indonesian name (WIB, WITA, WIT), which
/// customers know better than an offset; another zone is named by its offset (UTC+09:00).
/// Month names are written out here because the service runs with invariant globalization.
/// </summary>
public sealed class CustomerTime
{
    public const string DefaultZoneId = "Asia/Jakarta";

    /// <summary>Asia/Jakarta (WIB): the default, and what code without a configured zone (a test) uses.</summary>
    public static readonly CustomerTime Jakarta = new(TimeZoneInfo.FindSystemTimeZoneById(DefaultZoneId));

    private static readonly string[] IndonesianMonths =
        ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober", "November", "Desember"];

    private static readonly string[] EnglishMonths =
        ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

    // Indonesia's three zones by their everyday names; UTC as itself.
    private static readonly Dictionary<string, string> Names = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Asia/Jakarta"] = "WIB", ["Asia/Pontianak"] = "WIB",
        ["Asia/Makassar"] = "WITA", ["Asia/Ujung_Pandang"] = "WITA",
        ["Asia/Jayapura"] = "WIT",
        ["UTC"] = "UTC", ["Etc/UTC"] = "UTC",
    };

    public CustomerTime(TimeZoneInfo zone) => Zone = zone;

    public TimeZoneInfo Zone { get; }

    public static CustomerTime FromConfiguration(IConfiguration c)
    {
        var id = c["BILLING_TIME_ZONE"]?.Trim();
        if (string.IsNullOrEmpty(id) || id == DefaultZoneId)
        {
            return Jakarta;
        }
        try
        {
            return new CustomerTime(TimeZoneInfo.FindSystemTimeZoneById(id));
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            throw new StartupException($"BILLING_TIME_ZONE must be an IANA time zone such as Asia/Jakarta, Asia/Makassar or Asia/Jayapura (not \"{id}\")");
        }
    }

    /// <summary>The wall-clock time in the zone.</summary>
    public DateTime Local(DateTimeOffset at) => TimeZoneInfo.ConvertTime(at, Zone).DateTime;

    /// <summary>WIB for Asia/Jakarta; an unnamed zone as its offset at that instant (UTC+09:00).</summary>
    public string Name(DateTimeOffset at)
    {
        if (Names.TryGetValue(Zone.Id, out var name))
        {
            return name;
        }
        var offset = Zone.GetUtcOffset(at);
        return offset == TimeSpan.Zero
            ? "UTC"
            : string.Create(CultureInfo.InvariantCulture, $"UTC{(offset < TimeSpan.Zero ? "-" : "+")}{offset:hh\\:mm}");
    }

    /// <summary>22 Desember 2026 (Indonesian) or 22 December 2026 (English), in the zone.</summary>
    public string Date(DateTimeOffset at, bool english)
    {
        var d = Local(at);
        var month = (english ? EnglishMonths : IndonesianMonths)[d.Month - 1];
        return string.Create(CultureInfo.InvariantCulture, $"{d.Day} {month} {d.Year}");
    }

    /// <summary>22 Desember 2026, 02:00 WIB: the date, the time and the zone's name.</summary>
    public string DateTime(DateTimeOffset at, bool english) =>
        string.Create(CultureInfo.InvariantCulture, $"{Date(at, english)}, {Local(at):HH:mm} {Name(at)}");

    /// <summary>2026-12-22 02:00 WIB: the compact form the operator console shows next to UTC.</summary>
    public string Compact(DateTimeOffset at) =>
        string.Create(CultureInfo.InvariantCulture, $"{Local(at):yyyy-MM-dd HH:mm} {Name(at)}");
}
