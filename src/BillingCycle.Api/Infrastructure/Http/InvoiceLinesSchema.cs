using System.Text.Json.Nodes;
using Microsoft.OpenApi;

namespace BillingCycle.Api.Infrastructure.Http;

/// <summary>
/// The shape of an invoice's <c>line_items</c> (docs/contract.md §4.4, §7.2, §7.5, §7.8, §12.1),
/// for the OpenAPI document: the service stores and answers it as JSON built by the SQL that
/// composes the invoice, so no C# type describes it. Every field but <c>type</c> depends on the
/// kind of line; fields added later are allowed (additionalProperties), so a client generated
/// today keeps working.
/// </summary>
internal static class InvoiceLines
{
    public static OpenApiSchema Schema() => new()
    {
        Type = JsonSchemaType.Object,
        Description = "What the invoice charges for: the plan and period (or the plan change, or the credit pack), and the tax line when tax is on.",
        Required = new HashSet<string> { "type" },
        Properties = new Dictionary<string, IOpenApiSchema>
        {
            ["type"] = Enum("subscription_create", "subscription_renewal", "plan_change", "credit_pack"),
            ["plan_name"] = Text(),
            ["period"] = Enum("monthly", "yearly"),
            ["period_start"] = Instant(),
            ["period_end"] = Instant(),
            ["price"] = Money("The price charged for this line, before tax when prices exclude tax."),
            ["from_plan"] = Text(),
            ["to_plan"] = Text(),
            ["full_difference"] = Money("A plan change: the whole period's price difference, before proration."),
            ["tax"] = TaxLine(),
            ["discount"] = DiscountLine(),
        },
        AdditionalPropertiesAllowed = true,
    };

    private static OpenApiSchema TaxLine() => new()
    {
        Type = JsonSchemaType.Object,
        Description = "The tax line (docs/contract.md §7.8, §12.1); absent when tax is off.",
        Required = new HashSet<string> { "type", "name", "rate", "taxable_base", "amount" },
        Properties = new Dictionary<string, IOpenApiSchema>
        {
            ["type"] = Enum("tax"),
            ["name"] = Text(),
            ["rate"] = new OpenApiSchema { Type = JsonSchemaType.Number },
            ["taxable_base"] = Money("DPP: the price the tax is on."),
            ["other_taxable_base"] = Money("DPP nilai lain: the taxable base × BILLING_TAX_OTHER_BASE."),
            ["amount"] = Money("The tax."),
            ["inclusive"] = new OpenApiSchema { Type = JsonSchemaType.Boolean },
        },
        AdditionalPropertiesAllowed = true,
    };

    private static OpenApiSchema DiscountLine() => new()
    {
        Type = JsonSchemaType.Object,
        Description = "A coupon's discount (docs/contract.md §11.3), taken off the price before tax; absent without one.",
        Required = new HashSet<string> { "coupon_code", "name", "amount" },
        Properties = new Dictionary<string, IOpenApiSchema>
        {
            ["coupon_code"] = Text(),
            ["name"] = Text(),
            ["percent_off"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Description = "Present for a percentage coupon." },
            ["amount_off"] = Money("Present for an amount coupon."),
            ["amount"] = Money("What the discount takes off this invoice's price."),
        },
        AdditionalPropertiesAllowed = true,
    };

    private static OpenApiSchema Text() => new() { Type = JsonSchemaType.String };

    private static OpenApiSchema Instant() => new() { Type = JsonSchemaType.String, Format = "date-time" };

    private static OpenApiSchema Money(string description) =>
        new() { Type = JsonSchemaType.Integer, Format = "int64", Description = description };

    private static OpenApiSchema Enum(params string[] values) => new()
    {
        Type = JsonSchemaType.String,
        Enum = values.Select(v => (JsonNode)JsonValue.Create(v)!).ToList(),
    };
}
