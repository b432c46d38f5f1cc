using BillingCycle.Api.Invoices;

namespace BillingCycle.UnitTests.InvoicePdf;

/// <summary>The rows the pay page and the PDF both show (contract §7.6–§7.8).</summary>
public sealed class InvoiceLinesTests
{
    private static string Rows(PayPageInvoice invoice, PayPageText text) =>
        string.Join(" | ", InvoiceLines.For(invoice, text).Select(r => $"{r.Kind}:{r.Label}={text.Money(r.Amount)}"));

    [Fact]
    public void Without_tax_an_invoice_is_its_item_and_its_total()
    {
        Assert.Equal("Item:Pro (bulanan)=Rp149.000 | Total:Total=Rp149.000", Rows(InvoiceSamples.Checkout(), PayPageText.Indonesian));
    }

    [Fact]
    public void Inclusive_tax_is_shown_inside_the_price_with_its_taxable_base_and_adds_nothing()
    {
        var invoice = InvoiceSamples.Checkout(tax: InvoiceSamples.InclusiveTax);

        Assert.Equal("Item:Pro (bulanan)=Rp149.000 | Tax:PPN 11% (termasuk)=Rp14.766 | TaxBase:Dasar pengenaan pajak=Rp134.234 | Total:Total=Rp149.000",
            Rows(invoice, PayPageText.Indonesian));
        Assert.Equal("Item:Pro (monthly)=IDR 149,000 | Tax:PPN 11% (included)=IDR 14,766 | TaxBase:Taxable base=IDR 134,234 | Total:Total=IDR 149,000",
            Rows(invoice, PayPageText.English));
    }

    [Fact]
    public void Exclusive_tax_is_added_to_the_price_and_the_total_is_the_invoice_amount()
    {
        var invoice = InvoiceSamples.Checkout(amount: 165_390, tax: InvoiceSamples.ExclusiveTax);

        Assert.Equal("Item:Pro (bulanan)=Rp149.000 | Tax:PPN 11%=Rp16.390 | Total:Total=Rp165.390", Rows(invoice, PayPageText.Indonesian));
    }

    [Fact]
    public void A_fractional_rate_is_written_with_each_language_s_decimal_mark()
    {
        var invoice = InvoiceSamples.Checkout(tax: """{"type": "tax", "name": "PPN", "rate": 11.5, "taxable_base": 133632, "amount": 15368, "inclusive": true}""");

        Assert.Equal("PPN 11,5% (termasuk)", InvoiceLines.For(invoice, PayPageText.Indonesian)[1].Label);
        Assert.Equal("PPN 11.5% (included)", InvoiceLines.For(invoice, PayPageText.English)[1].Label);
    }

    [Fact]
    public void A_plan_change_names_both_plans_at_its_prorated_price()
    {
        Assert.Equal("Item:Starter → Pro=Rp50.000 | Total:Total=Rp50.000", Rows(InvoiceSamples.PlanChange(50_000), PayPageText.Indonesian));
    }
}
