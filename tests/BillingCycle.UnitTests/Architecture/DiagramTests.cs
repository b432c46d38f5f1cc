using System.Text.RegularExpressions;
using BillingCycle.TestSupport;

namespace BillingCycle.UnitTests.Architecture;

/// <summary>
/// The diagram in docs/architecture.md ("what may call what") draws exactly the arrows of
/// <see cref="DependencyRules"/>: the picture a newcomer reads, the table the IL is checked
/// against and the code say the same thing, so neither can drift from the other.
/// </summary>
public sealed partial class DiagramTests
{
    [Fact]
    public void The_diagram_draws_exactly_the_tables_arrows()
    {
        var doc = File.ReadAllText(Path.Combine(DedicatedPostgres.RepoRoot(), "docs", "architecture.md"));
        var start = doc.IndexOf("### The feature folders and what may call what", StringComparison.Ordinal);
        var block = doc[doc.IndexOf("```mermaid", start, StringComparison.Ordinal)..];
        block = block[..block.IndexOf("```", 10, StringComparison.Ordinal)];

        // Node ids → folders, from labels such as credits["Credits/"] or seams["Console/Seams/ (…)"].
        var folders = Node().Matches(block).ToDictionary(m => m.Groups["id"].Value, m => Folder(m.Groups["label"].Value));
        var drawn = new HashSet<(string, string)>();
        foreach (Match m in Arrow().Matches(block))
        {
            foreach (var from in Ids(m.Groups["from"].Value).Where(folders.ContainsKey))
            {
                foreach (var to in Ids(m.Groups["to"].Value))
                {
                    if (folders[from] is { } f && folders[to] is { } t)
                    {
                        drawn.Add((f, t));
                    }
                }
            }
        }
        var table = DependencyRules.Allowed.SelectMany(kv => kv.Value.Select(to => (kv.Key, to))).ToHashSet();

        Assert.NotEmpty(drawn);
        Assert.True(drawn.SetEquals(table),
            "drawn but not in the table: " + string.Join(", ", drawn.Except(table)) +
            "; in the table but not drawn: " + string.Join(", ", table.Except(drawn)));
    }

    private static IEnumerable<string> Ids(string side) => side.Split('&', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    // "Credits/" → Credits, "Console/Seams/ (…)" → Console/Seams, "BillingCycle.IPaymu (…)" → IPaymu; Program.cs → none.
    private static string? Folder(string label)
    {
        var first = label.Split(' ')[0];
        return first.StartsWith("BillingCycle.", StringComparison.Ordinal) ? first["BillingCycle.".Length..]
            : first.EndsWith('/') ? first.TrimEnd('/')
            : null;
    }

    [GeneratedRegex("""^\s*(?<id>[a-z]+)\["(?<label>[^"]+)"\]""", RegexOptions.Multiline)]
    private static partial Regex Node();

    [GeneratedRegex(@"^\s*(?<from>[a-z &]+?)\s*-->\s*(?<to>[a-z &]+)\s*$", RegexOptions.Multiline)]
    private static partial Regex Arrow();
}
