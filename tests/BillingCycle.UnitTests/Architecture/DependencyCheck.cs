using Mono.Cecil;

namespace BillingCycle.UnitTests.Architecture;

/// <summary>
/// Checks one compiled module against a table of allowed arrows between folders: each reference
/// from a type in folder A to a type in folder B (A ≠ B) must be an arrow A → B of the table.
/// A folder the table does not know is a violation too, so a new folder is placed on purpose.
/// </summary>
public static class DependencyCheck
{
    public sealed record Violation(string From, string To, string Type, string Uses)
    {
        public override string ToString() => $"{From} → {To}: {Type} uses {Uses}";
    }

    public static IReadOnlyList<Violation> Run(ModuleDefinition module, string root,
        IReadOnlyDictionary<string, string[]> allowed, IReadOnlyDictionary<string, string> assemblies)
    {
        var found = new SortedSet<Violation>(Comparer<Violation>.Create((a, b) => string.CompareOrdinal(a.ToString(), b.ToString())));
        foreach (var (from, to) in TypeGraph.Of(module))
        {
            if (Folder(TypeGraph.NamespaceOf(from), root) is not { } a || a == DependencyRules.Program)
            {
                continue; // outside our namespaces (Program.cs's top-level statements, compiler glue), or the root: composition
            }
            if (!allowed.ContainsKey(a))
            {
                found.Add(new Violation(a, "(a folder not in the table)", from.FullName, ""));
                continue;
            }
            var b = to.Scope is AssemblyNameReference asm
                ? assemblies.GetValueOrDefault(asm.Name)
                : Folder(TypeGraph.NamespaceOf(to), root);
            if (b is null || b == a || allowed[a].Contains(b))
            {
                continue;
            }
            found.Add(new Violation(a, b, from.FullName, to.FullName));
        }
        return [.. found];
    }

    /// <summary>
    /// The folder a namespace belongs to: its first segment under the root (Billing.Links is
    /// Billing), except Console.Seams, which is its own; the root itself is Program.
    /// </summary>
    public static string? Folder(string ns, string root)
    {
        if (ns == root)
        {
            return DependencyRules.Program;
        }
        if (!ns.StartsWith(root + ".", StringComparison.Ordinal))
        {
            return null;
        }
        var parts = ns[(root.Length + 1)..].Split('.');
        return parts is ["Console", "Seams", ..] ? "Console/Seams" : parts[0];
    }

    /// <summary>The table's arrows have no cycle (a depth-first walk finds no way back).</summary>
    public static IReadOnlyList<string>? Cycle(IReadOnlyDictionary<string, string[]> allowed)
    {
        var done = new HashSet<string>();
        var path = new List<string>();
        IReadOnlyList<string>? Visit(string n)
        {
            if (path.Contains(n))
            {
                return [.. path.Skip(path.IndexOf(n)), n];
            }
            if (!done.Add(n))
            {
                return null;
            }
            path.Add(n);
            foreach (var m in allowed.GetValueOrDefault(n) ?? [])
            {
                if (Visit(m) is { } cycle)
                {
                    return cycle;
                }
            }
            path.RemoveAt(path.Count - 1);
            return null;
        }
        return allowed.Keys.Select(Visit).FirstOrDefault(c => c is not null);
    }
}
