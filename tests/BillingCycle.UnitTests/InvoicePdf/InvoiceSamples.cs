using System.Text.Json;
using BillingCycle.Api.Invoices;

namespace BillingCycle.UnitTests.InvoicePdf;

/// <summary>Invoices as the database writes their line_items (db/functions/billing_invoices.sql and the checkout/plan-change functions).</summary>
internal static class InvoiceSamples
{
    public static readonly DateTimeOffset Issued = new(2026, 11, 1, 2, 0, 0, TimeSpan.Zero);

    public const string InclusiveTax = """{"type": "tax", "name": "PPN", "rate": 11, "taxable_base": 134234, "amount": 14766, "inclusive": true}""";
    public const string ExclusiveTax = """{"type": "tax", "name": "PPN", "rate": 11, "taxable_base": 149000, "amount": 16390, "inclusive": false}""";

    public static PayPageInvoice Checkout(long amount = 149_000, string? tax = null, string status = "pending", DateTimeOffset? paidAt = null,
        string? buyerName = "Ayu Lestari", string? buyerEmail = "ayu@example.com") =>
        Invoice("subscription_create",
            $$"""{"type": "subscription_create", "plan_name": "Pro", "period": "monthly", "price": 149000{{(tax is null ? "" : ", \"tax\": " + tax)}}}""",
            amount, status, paidAt, buyerName, buyerEmail);

    public static PayPageInvoice PlanChange(long amount) =>
        Invoice("plan_change", """{"type": "plan_change", "from_plan": "Starter", "to_plan": "Pro", "full_difference": 100000, "price": 50000}""",
            amount, "pending", null, "Budi Santoso", "budi@example.com");

    private static PayPageInvoice Invoice(string kind, string items, long amount, string status, DateTimeOffset? paidAt, string? name, string? email) =>
        new(Guid.NewGuid(), "INV-202611-000042", kind, status, amount, Issued, Issued.AddMonths(1),
            JsonDocument.Parse(items).RootElement, Issued, paidAt, name, email, "incomplete", new string('t', 64));
}
