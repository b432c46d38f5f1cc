using BillingCycle.Api.Console.Pages;
using BillingCycle.Api.Infrastructure.Time;
using BillingCycle.Api.Tax;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BillingCycle.Api.Console.Handlers;

/// <summary>
/// The month's faktur (contract §12.4, §12.5): GET /admin/tax?month=YYYY-MM (groups, sums, credit
/// notes, invoices without an NSFP), GET /admin/tax/coretax.xml?month=YYYY-MM (Coretax's
/// TaxInvoiceBulk import) and POST /admin/tax/serials (the NSFP list pasted back, with a report).
/// Months are calendar months in Asia/Jakarta.
/// </summary>
public static class TaxHandlers
{
    private static readonly TimeSpan Jakarta = TimeSpan.FromHours(7); // only to choose the default month shown

    public static async Task<Results<RazorComponentResult<TaxPage>, RazorComponentResult<MessagePage>>> Show(
        [AsParameters] ConsoleRequest request, TaxMonthStore store, ITaxCreditNotes creditNotes, BillingClock clock, string? month)
    {
        var local = clock.UtcNow.ToOffset(Jakarta);
        var chosen = new ConsoleMonth(local.Year, local.Month);
        if (month is not null && !ConsoleMonth.TryParse(month, out chosen))
        {
            return NotAMonth(request);
        }
        var ct = request.Http.RequestAborted;
        var (missingCount, missing) = await store.MissingNsfpAsync(new TaxMonth(chosen.Year, chosen.Month), ct);
        return ConsolePage.Render<TaxPage>(new
        {
            View = request.View(), Month = chosen, Totals = await store.TotalsAsync(new TaxMonth(chosen.Year, chosen.Month), ct),
            MissingCount = missingCount, Missing = missing,
            CreditNotesRecorded = creditNotes.Recorded, CreditNotes = await creditNotes.MonthAsync(new TaxMonth(chosen.Year, chosen.Month), ct),
        });
    }

    public static Results<RazorComponentResult<MessagePage>, PushStreamHttpResult> Coretax(
        [AsParameters] ConsoleRequest request, TaxMonthStore store, SellerTaxIdentity seller, string? month)
    {
        if (!ConsoleMonth.TryParse(month, out var chosen))
        {
            return NotAMonth(request);
        }
        if (seller.Npwp is null)
        {
            return ConsolePage.Message(409, "Seller NPWP missing",
                "Coretax needs the seller's NPWP: set BILLING_SELLER_NPWP (and BILLING_SELLER_NITKU for a branch) and restart.",
                ConsoleRoutes.TaxFor(chosen), "Back to the tax month", request.View());
        }
        // Streamed from the database through XmlWriter: a month of many invoices is never held in memory.
        return TypedResults.Stream(
            body => CoretaxXml.WriteAsync(body, seller, store.InvoicesAsync(new TaxMonth(chosen.Year, chosen.Month), onlyMissingNsfp: false, request.Http.RequestAborted),
                request.Http.RequestAborted),
            "application/xml; charset=utf-8", $"faktur-{chosen}.xml");
    }

    public static async Task<Results<RazorComponentResult<SerialReportPage>, RazorComponentResult<MessagePage>>> ImportSerials(
        [AsParameters] ConsoleRequest request, SerialImport import, BillingClock clock)
    {
        var form = await request.Http.Request.ReadFormAsync(request.Http.RequestAborted);
        var paste = form["serials"].ToString();
        var back = ConsoleRoutes.Tax;
        if (paste.Length > SerialImport.MaxChars)
        {
            return ConsolePage.Message(413, "Too much pasted",
                $"Paste at most {SerialImport.MaxChars:N0} characters ({SerialImport.MaxLines:N0} lines) at a time; nothing was stored.",
                back, "Back to the tax month", request.View());
        }
        var parsed = SerialImport.Parse(paste);
        if (parsed.Count > SerialImport.MaxLines)
        {
            return ConsolePage.Message(413, "Too many lines",
                $"Paste at most {SerialImport.MaxLines:N0} lines at a time; nothing was stored.", back, "Back to the tax month", request.View());
        }
        if (parsed.Count == 0)
        {
            return ConsolePage.Message(400, "Nothing pasted",
                "Paste the lines invoice_number,NSFP exported from Coretax.", back, "Back to the tax month", request.View());
        }
        var report = await import.ApplyAsync(parsed, clock.UtcNow, request.Http.RequestAborted);
        return ConsolePage.Render<SerialReportPage>(new { View = request.View(), Lines = report });
    }

    private static RazorComponentResult<MessagePage> NotAMonth(ConsoleRequest request) =>
        ConsolePage.Message(400, "Not a month", "The month is written YYYY-MM, for example 2026-11.",
            ConsoleRoutes.Tax, "Tax", request.View());
}
