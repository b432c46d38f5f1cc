using System.Globalization;

namespace BillingCycle.TestSupport;

/// <summary>Figures a test measured, kept for a person to read (git-ignored .local/test-results/figures.txt).</summary>
public static class Figures
{
    private static readonly Lock Gate = new();

    public static void Note(string line)
    {
        var dir = Path.Combine(DedicatedPostgres.RepoRoot(), ".local", "test-results");
        Directory.CreateDirectory(dir);
        lock (Gate)
        {
            File.AppendAllText(Path.Combine(dir, "figures.txt"),
                string.Create(CultureInfo.InvariantCulture, $"{DateTimeOffset.UtcNow:O} {line}{Environment.NewLine}"));
        }
    }
}
