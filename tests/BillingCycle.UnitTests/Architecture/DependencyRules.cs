namespace BillingCycle.UnitTests.Architecture;

/// <summary>
/// "What may call what" of docs/architecture.md, as data: each folder of the API and the folders it
/// may use. Only these arrows are allowed; the diagram draws exactly these (plus Program.cs,
/// which composes everything and is not checked). Console/Seams is a folder of its own here: the console calls the
/// seams, the features that own an action implement them, and neither knows the other.
/// </summary>
public static class DependencyRules
{
    public const string Program = "(Program)";

    public static readonly IReadOnlyDictionary<string, string[]> Allowed = new Dictionary<string, string[]>
    {
        ["Infrastructure"] = ["IPaymu"],
        ["Jobs"] = ["Infrastructure"],
        ["Settlement"] = ["Infrastructure", "IPaymu"],
        ["Billing"] = ["Settlement", "Jobs", "Infrastructure", "IPaymu"],
        ["Webhooks"] = ["Settlement", "Infrastructure", "IPaymu"],
        ["Scheduling"] = ["Jobs", "Infrastructure"],
        ["Health"] = ["Jobs", "Scheduling", "Infrastructure"],
        ["Credits"] = ["Infrastructure"],
        ["Console/Seams"] = [],
        ["Console"] = ["Console/Seams", "Jobs", "Scheduling", "Tax", "Infrastructure"],
        ["Subscriptions"] = ["Billing", "Coupons", "Console/Seams", "Infrastructure"],
        ["Deliveries"] = ["Console/Seams", "Infrastructure"],
        ["Tax"] = ["Billing", "Infrastructure"],
        ["Invoices"] = ["Tax", "Billing", "Infrastructure"],
        ["PayPage"] = ["Invoices", "Subscriptions", "Infrastructure"],
        ["InvoicePdf"] = ["Invoices", "PayPage", "Billing", "Infrastructure"],
        ["ManualPayments"] = ["Settlement", "Console/Seams", "Infrastructure"],
        ["Refunds"] = ["Billing", "Tax", "Invoices", "PayPage", "InvoicePdf", "Console/Seams", "Infrastructure"],
        ["Coupons"] = ["Console/Seams", "Infrastructure"],
        ["Housekeeping"] = ["Subscriptions", "Webhooks", "Settlement", "Deliveries", "Jobs", "Portal", "Infrastructure"],
        ["Portal"] = ["Subscriptions", "Tax", "Credits", "Invoices", "Billing", "Coupons", "Infrastructure"],
    };

    /// <summary>Other assemblies of ours, by the folder name the table gives them.</summary>
    public static readonly IReadOnlyDictionary<string, string> Assemblies = new Dictionary<string, string>
    {
        ["BillingCycle.IPaymu"] = "IPaymu",
    };
}
