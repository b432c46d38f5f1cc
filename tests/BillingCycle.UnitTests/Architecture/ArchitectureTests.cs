using Mono.Cecil;

namespace BillingCycle.UnitTests.Architecture;

/// <summary>
/// The folders of the API use one another only along the arrows of docs/architecture.md
/// (<see cref="DependencyRules"/>), read from the compiled IL; the same check, run over a small
/// sample with one forbidden arrow, finds that arrow (so a pass here means something).
/// </summary>
public sealed class ArchitectureTests
{
    private const string ApiRoot = "BillingCycle.Api";

    [Fact]
    public void Every_reference_between_the_APIs_folders_is_an_arrow_of_the_table()
    {
        using var module = ModuleDefinition.ReadModule(typeof(Api.Billing.BillingApi).Assembly.Location);

        var violations = DependencyCheck.Run(module, ApiRoot, DependencyRules.Allowed, DependencyRules.Assemblies);

        Assert.True(violations.Count == 0, "Forbidden dependencies (docs/architecture.md, \"what may call what\"):\n"
            + string.Join("\n", violations));
    }

    [Fact]
    public void The_check_sees_the_APIs_folders_and_their_arrows()
    {
        // Guards the guard: were the IL not read (or the root misspelt), the test above would pass on nothing.
        using var module = ModuleDefinition.ReadModule(typeof(Api.Billing.BillingApi).Assembly.Location);
        var arrows = TypeGraph.Of(module)
            .Select(r => (From: DependencyCheck.Folder(TypeGraph.NamespaceOf(r.From), ApiRoot),
                To: r.To.Scope is AssemblyNameReference a ? DependencyRules.Assemblies.GetValueOrDefault(a.Name) : DependencyCheck.Folder(TypeGraph.NamespaceOf(r.To), ApiRoot)))
            .Where(e => e.From is not null && e.To is not null && e.From != e.To)
            .ToHashSet();

        Assert.Contains(("PayPage", "Subscriptions"), arrows);      // PayNow
        Assert.Contains(("InvoicePdf", "Invoices"), arrows);        // the invoice it draws
        Assert.Contains(("Subscriptions", "Console/Seams"), arrows); // ISubscriptionActions
        Assert.Contains(("Settlement", "IPaymu"), arrows);
        Assert.Contains(("Housekeeping", "Deliveries"), arrows);
        // Every folder the table lets use another does so (Console/Seams, interfaces only, uses none).
        Assert.Equal(DependencyRules.Allowed.Where(f => f.Value.Length > 0).Select(f => f.Key).Order(),
            arrows.Select(e => e.From!).Distinct().Order());
    }

    [Fact]
    public void The_table_has_no_cycle()
    {
        Assert.Null(DependencyCheck.Cycle(DependencyRules.Allowed));
    }

    [Fact]
    public void A_cycle_in_a_table_is_found()
    {
        var table = new Dictionary<string, string[]>(DependencyRules.Allowed) { ["Infrastructure"] = ["Credits"] };

        Assert.Equal(["Infrastructure", "Credits", "Infrastructure"], DependencyCheck.Cycle(table));
    }

    [Fact]
    public void A_forbidden_dependency_fails_the_check()
    {
        // Sample/ mirrors the API's folders with the same table: Credits uses Console, which no arrow allows.
        using var module = ModuleDefinition.ReadModule(typeof(ArchitectureTests).Assembly.Location);

        var violations = DependencyCheck.Run(module, typeof(Sample.Credits.SampleCredits).Namespace![..^".Credits".Length],
            DependencyRules.Allowed, DependencyRules.Assemblies);

        var violation = Assert.Single(violations);
        Assert.Equal(("Credits", "Console"), (violation.From, violation.To));
        Assert.Equal(typeof(Sample.Credits.SampleCredits).FullName, violation.Type);
        Assert.Equal(typeof(Sample.Console.SamplePage).FullName, violation.Uses);
    }
}
