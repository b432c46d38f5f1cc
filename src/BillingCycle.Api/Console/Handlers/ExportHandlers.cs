using System.Globalization;
using BillingCycle.Api.Console.Data;
using BillingCycle.Api.Console.Pages;
using CsvHelper;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BillingCycle.Api.Console.Handlers;

/// <summary>GET /admin/export: the month picker; with ?month=YYYY-MM the month's invoices, then its credit notes as negative rows, as text/csv (CsvHelper).</summary>
public static class ExportHandlers
{
    public static readonly string[] Header =
        ["number", "date", "customer", "email", "period", "amount", "tax", "status", "paid_at", "transaction_id", "type", "invoice", "kind"];

    // A name such as "=HYPERLINK(…)" must not become a formula in the accountant's spreadsheet:
    // every cell goes through CsvCell (one rule, wider than the writer's own list).
    private static readonly CsvWriterOptions Csv = CsvWriterOptions.Default with { Injection = CsvInjection.None };

    public static Results<RazorComponentResult<ExportPage>, RazorComponentResult<MessagePage>, PushStreamHttpResult> Export(
        [AsParameters] ConsoleRequest request, ExportStore store, Infrastructure.Time.BillingClock clock, string? month)
    {
        if (month is null)
        {
            return ConsolePage.Render<ExportPage>(new { View = request.View(), Month = ConsoleMonth.From(clock.UtcNow) });
        }
        if (!ConsoleMonth.TryParse(month, out var chosen))
        {
            return ConsolePage.Message(400, "Not a month", "The month is written YYYY-MM, for example 2026-11.",
                ConsoleRoutes.Export, "Export", request.View());
        }
        // Streamed row by row from the database to the response: a month of 100,000 invoices is never held in memory.
        return TypedResults.Stream(body => WriteAsync(body, store, chosen, request.Http.RequestAborted),
            "text/csv; charset=utf-8", $"invoices-{chosen}.csv");
    }

    private static async Task WriteAsync(Stream body, ExportStore store, ConsoleMonth month, CancellationToken ct)
    {
        await using var csv = CsvWriter.Create(body, Csv, leaveOpen: true);
        csv.WriteHeader(Header); // a whole record: the header row
        await foreach (var r in store.MonthAsync(month, ct))
        {
            // Text cells are neutralised against spreadsheet formulas; amounts are written as numbers,
            // so a credit note's -49000 stays a number (contract §13.2).
            csv.WriteField(CsvCell.Neutralise(r.Number));
            csv.WriteField(Iso(r.Date));
            csv.WriteField(CsvCell.Neutralise(r.Customer ?? ""));
            csv.WriteField(CsvCell.Neutralise(r.Email ?? ""));
            csv.WriteField($"{Day(r.PeriodStart)}/{Day(r.PeriodEnd)}");
            csv.WriteField(r.Amount.ToString("D", CultureInfo.InvariantCulture));
            csv.WriteField(r.Tax.ToString("D", CultureInfo.InvariantCulture));
            csv.WriteField(CsvCell.Neutralise(r.Status));
            csv.WriteField(r.PaidAt is { } p ? Iso(p) : "");
            csv.WriteField(CsvCell.Neutralise(r.TransactionId ?? ""));
            // invoice, or credit_note (contract §13.2: a refund, negative, naming the invoice it corrects).
            csv.WriteField(CsvCell.Neutralise(r.Type));
            csv.WriteField(CsvCell.Neutralise(r.InvoiceNumber ?? r.Number));
            // What the invoice is for (contract §11.5): renewal, subscription_create, plan_change, credit_pack;
            // a credit note's is its invoice's.
            csv.WriteField(CsvCell.Neutralise(r.Kind ?? ""));
            await csv.EndRecordAsync(ct);
        }
        await csv.FlushAsync(ct);
    }

    private static string Iso(DateTimeOffset t) => t.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    private static string Day(DateTimeOffset t) => t.ToUniversalTime().ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
