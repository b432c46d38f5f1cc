using System.Reflection;
using System.Security.Cryptography;
using System.Text;

namespace BillingCycle.Api.Infrastructure.Database;

/// <summary>A SQL file shipped inside this assembly, with the checksum the migrator records.</summary>
public sealed record SqlScript(string Name, string Sql)
{
    public string Checksum { get; } = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Sql)));
}

/// <summary>
/// The repo's db/ folder as embedded in this assembly: db/migrations/*.sql (tables, indexes,
/// data changes; applied once each, in name order) and db/functions/*.sql (every function,
/// trigger and view, each in exactly one file; re-applied whenever the file changes).
/// </summary>
public static class SqlScripts
{
    public static IReadOnlyList<SqlScript> Migrations { get; } = Load("migrations/");

    public static IReadOnlyList<SqlScript> Functions { get; } = Load("functions/");

    private static List<SqlScript> Load(string prefix)
    {
        var asm = typeof(SqlScripts).Assembly;
        return asm.GetManifestResourceNames()
            .Where(n => n.StartsWith(prefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(n => new SqlScript(n[prefix.Length..], Read(asm, n)))
            .ToList();
    }

    private static string Read(Assembly asm, string name)
    {
        using var s = asm.GetManifestResourceStream(name)!;
        using var reader = new StreamReader(s, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}

/// <summary>
/// Migrations whose text changed after databases had applied them, with the checksum those
/// databases recorded. Each change listed here removed only function definitions (moved to
/// db/functions/, which re-creates them), so a database that applied the old text is already up
/// to date with the new one: the migrator records the new checksum instead of warning. Any other
/// change to an applied migration is still refused.
/// </summary>
internal static class RewrittenMigrations
{
    public static readonly IReadOnlyDictionary<string, string> PreviousChecksums = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        // 2026-12-01: functions moved from the migrations to db/functions/ (one copy of each).
        ["0001_schema.sql"] = "7c0b6787a5b5b58655b32bf83178d32d3a6941ffaca54529ddb2ecde23aa6610",
        ["0007_plan_caching.sql"] = "856607b710abb9e827c559fad476966b120030f55d6e6fb8eeba06bc1ce8e21b",
        ["0008_point_lookups.sql"] = "77faf42501297a7cb39395399c2334df5f0309b5b2caf9df1f5118214872fb78",
    };
}
