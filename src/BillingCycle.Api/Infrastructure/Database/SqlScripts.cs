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
/// Migrations whose text changed after databases had applied them, with every checksum those
/// databases may have recorded. Each change listed here left what the migration does unchanged:
/// on 2026-12-01 function definitions moved out to db/functions/ (which re-creates them), and on
/// 2026-12-06 comments citing the team's outside specification were rewritten to cite
/// docs/contract.md. A database that applied an older text is already up to date with the new
/// one, so the migrator records the new checksum instead of warning. Any other change to an
/// applied migration is still refused.
/// </summary>
internal static class RewrittenMigrations
{
    public static readonly IReadOnlyDictionary<string, string[]> PreviousChecksums = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        ["0001_schema.sql"] =
        [
            "7c0b6787a5b5b58655b32bf83178d32d3a6941ffaca54529ddb2ecde23aa6610", // before 2026-12-01
            "9f37a2e3b4fb7ffdfec4699cbfe2d8a3d8c3e244aa7be9e85399314f2e87361b", // before 2026-12-06
        ],
        ["0007_plan_caching.sql"] =
        [
            "856607b710abb9e827c559fad476966b120030f55d6e6fb8eeba06bc1ce8e21b",
            "39e8cd31a8d1c50dce79b2dff88db8d1df653127e9c254ae5d827052876edcad",
        ],
        ["0008_point_lookups.sql"] = ["77faf42501297a7cb39395399c2334df5f0309b5b2caf9df1f5118214872fb78"],
        ["0011_supabase_roles.sql"] = ["f0ce6d308d0efe42c10c88a1abeedc7ac70b069b9b47d590804093a2c2cbaa64"],
        ["0012_ledger_seq.sql"] = ["792781d205d2f80f3f7df2042079f086df0a596c934131e3eeb3fdc7332c2005"],
        ["0013_housekeeping.sql"] = ["04cf72430fa8c4725538e6fe7b069707cb32e413b609cb07f95a0b9dae38fd5b"],
        ["0014_subscription_lifecycle.sql"] = ["fb2318b129b220f571225e2bf8166c7dfbb33e8bc0b256639d2ddb7939ccf474"],
        ["0015_service_settings.sql"] = ["ca81a716e04dd26e6861140a5dde3f0bc99c1a2a8d12f401b3b571320a90dc0a"],
        ["0030_deliveries.sql"] = ["6392e25d502433c4d429937f8df54593201bab8c5752c0c7a24cfed6b5d2e37a"],
        ["0031_delivery_console_index.sql"] = ["a52e290fa141d1ef86450727017cf3fd21d4294bae6b1feb1e0b73451efa23b1"],
        ["0040_console.sql"] = ["93cb7cb7ef2cc545b686d515b7ee3d7490b4dbd7e1f559e4f5e7c01d95179050"],
    };
}
