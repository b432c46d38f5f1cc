using System.Globalization;
using System.Text.Json;

namespace BillingCycle.Api.Invoices;

public enum InvoiceLineKind { Item, Discount, Tax, TaxBase, OtherTaxBase, Total }

/// <summary>One row of an invoice's table: what it is, its words, its amount in rupiah.</summary>
public sealed record InvoiceLine(InvoiceLineKind Kind, string Label, long Amount);

/// <summary>
/// The rows an invoice shows, the same on the pay page and in the PDF (contract §7.6, §7.7), read from
/// its line_items: the plan (or the plan change) at its price; then, when the invoice has a tax
/// line (contract §7.8, db/functions/billing_invoices.sql), the tax, and when prices include it the
/// word "included" and the taxable base (exclusive: the base is the price above); then the total, which is the invoice's amount.
/// </summary>
public static class InvoiceLines
{
    public static IReadOnlyList<InvoiceLine> For(PayPageInvoice invoice, PayPageText text)
    {
        var items = invoice.LineItems;
        var price = items.ValueKind == JsonValueKind.Object && items.TryGetProperty("price", out var p) && p.TryGetInt64(out var v)
            ? v
            : invoice.Amount;
        var rows = new List<InvoiceLine> { new(InvoiceLineKind.Item, ItemName(invoice, text), price) };
        // A coupon's discount (contract §11.3), taken off before tax: shown as a negative amount.
        if (Discount(items, text) is { } discount)
        {
            rows.Add(discount);
        }
        if (Tax(items) is { } tax)
        {
            var rate = tax.Rate.ToString("0.##", CultureInfo.InvariantCulture);
            if (text.Lang == "id")
            {
                rate = rate.Replace('.', ',');
            }
            var label = $"{tax.Name} {rate}%" + (tax.Inclusive ? $" ({text.TaxIncluded})" : "");
            rows.Add(new(InvoiceLineKind.Tax, label, tax.Amount));
            // DPP is shown when prices include tax, and beside DPP nilai lain when f ≠ 1 (contract §12.6).
            if ((tax.Inclusive || tax.OtherTaxableBase is not null) && tax.TaxableBase is { } taxableBase)
            {
                rows.Add(new(InvoiceLineKind.TaxBase, text.TaxBase, taxableBase));
            }
            if (tax.OtherTaxableBase is { } otherBase)
            {
                rows.Add(new(InvoiceLineKind.OtherTaxBase, text.OtherTaxBase, otherBase));
            }
        }
        rows.Add(new(InvoiceLineKind.Total, text.Total, invoice.Amount));
        return rows;
    }

    /// <summary>"Pro (bulanan)" / "Pro (monthly)", "Pro (tahunan)" / "Pro (yearly)" for a checkout or renewal; "Starter → Pro" for a plan change.</summary>
    public static string ItemName(PayPageInvoice invoice, PayPageText text) => invoice.Kind switch
    {
        "plan_change" => $"{Str(invoice.LineItems, "from_plan")} → {Str(invoice.LineItems, "to_plan")}",
        "credit_pack" => CreditPackLine.Label(invoice.LineItems, text.Lang),
        _ => $"{Str(invoice.LineItems, "plan_name")} ({Period(invoice.LineItems, text)})",
    };

    private static string Period(JsonElement items, PayPageText text) => Str(items, "period") switch
    {
        "monthly" => text.Monthly,
        "yearly" => text.Yearly,
        var other => other,
    };

    private static (string Name, decimal Rate, long Amount, long? TaxableBase, bool Inclusive, long? OtherTaxableBase)? Tax(JsonElement items)
    {
        if (items.ValueKind != JsonValueKind.Object || !items.TryGetProperty("tax", out var t) || t.ValueKind != JsonValueKind.Object)
        {
            return null;
        }
        var name = t.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()! : "PPN";
        var rate = t.TryGetProperty("rate", out var r) && r.TryGetDecimal(out var rv) ? rv : 0m;
        var amount = t.TryGetProperty("amount", out var a) && a.TryGetInt64(out var av) ? av : 0;
        long? taxableBase = t.TryGetProperty("taxable_base", out var b) && b.TryGetInt64(out var bv) ? bv : null;
        var inclusive = t.TryGetProperty("inclusive", out var i) && i.ValueKind == JsonValueKind.True;
        // Present only when f ≠ 1 (db/functions/invoice_composer.sql).
        long? otherBase = t.TryGetProperty("other_taxable_base", out var o) && o.TryGetInt64(out var ov) ? ov : null;
        return (name, rate, amount, taxableBase, inclusive, otherBase);
    }

    private static InvoiceLine? Discount(JsonElement items, PayPageText text)
    {
        if (items.ValueKind != JsonValueKind.Object || !items.TryGetProperty("discount", out var d) || d.ValueKind != JsonValueKind.Object
            || !d.TryGetProperty("amount", out var a) || !a.TryGetInt64(out var amount))
        {
            return null;
        }
        var percent = d.TryGetProperty("percent_off", out var p) && p.TryGetInt32(out var pv) ? $" ({pv}%)" : "";
        return new(InvoiceLineKind.Discount, $"{text.Discount} {Str(d, "coupon_code")}{percent}", -amount);
    }

    private static string Str(JsonElement items, string name) =>
        items.ValueKind == JsonValueKind.Object && items.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String
            ? v.GetString()!
            : "";
}
