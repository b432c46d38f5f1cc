using BillingCycle.Api.InvoicePdf;
using BillingCycle.Api.Invoices;
using BillingCycle.Api.PayPage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using PdfSharp.Drawing;
using PdfSharp.Pdf;

namespace BillingCycle.Api.Refunds;

/// <summary>The words of a credit note; Bahasa Indonesia by default, English on request.</summary>
public sealed record CreditNoteText(string Title, string Invoice, string Issued, string Amount, string Tax, string Reason, string Footer)
{
    public static readonly CreditNoteText Indonesian = new("Nota Kredit", "Atas tagihan", "Tanggal terbit", "Jumlah dikembalikan",
        "PPN dikembalikan", "Alasan", "Nota kredit ini mencatat uang yang telah dikembalikan untuk tagihan di atas.");

    public static readonly CreditNoteText English = new("Credit Note", "For invoice", "Issued", "Amount refunded",
        "Tax refunded", "Reason", "This credit note records money returned for the invoice above.");

    public static CreditNoteText For(string? lang) => string.Equals(lang, "en", StringComparison.OrdinalIgnoreCase) ? English : Indonesian;
}

/// <summary>
/// A credit note as an A4 PDF (contract §13.2), drawn like the invoice PDF (PDFsharp, the same
/// canvas and embedded fonts, real text a test reads back): seller, number, its invoice, date,
/// amount, tax and the operator's reason.
/// </summary>
public sealed class CreditNotePdfRenderer(SellerDetails seller)
{
    private const double Margin = 50;

    public byte[] Render(CreditNoteView note, string? lang)
    {
        var text = CreditNoteText.For(lang);
        var money = PayPageText.For(lang);
        using var document = new PdfDocument();
        document.Info.Title = $"{text.Title} {note.CreditNoteNumber}";
        document.Info.Author = seller.Name;
        document.Info.CreationDate = note.CreatedAt.UtcDateTime; // the same file for the same note
        var page = document.AddPage();
        page.Size = PdfSharp.PageSize.A4;
        using (var gfx = XGraphics.FromPdfPage(page))
        {
            var c = new PdfCanvas(gfx);
            var right = page.Width.Point - Margin;
            var width = right - Margin;
            var y = c.Wrapped(seller.Name, c.SellerName, PdfCanvas.Ink, Margin, Margin, width * 0.55);
            foreach (var line in seller.AddressLines)
            {
                y = c.Wrapped(line, c.Body, PdfCanvas.Muted, Margin, y, width * 0.55);
            }
            c.Text(text.Title.ToUpperInvariant(), c.Title, PdfCanvas.Ink, right, Margin, right: true);
            c.Text(note.CreditNoteNumber, c.BodyBold, PdfCanvas.Ink, right, Margin + PdfCanvas.LineHeight(c.Title) + 2, right: true);
            y = Math.Max(y, Margin + 48) + 10;
            c.Rule(Margin, right, y);
            y += 14;
            foreach (var (label, value) in new[]
                     {
                         (text.Invoice, note.InvoiceNumber),
                         (text.Issued, money.Date(note.CreatedAt)),
                         (text.Amount, money.Money(note.Amount)),
                         (text.Tax, money.Money(note.TaxAmount)),
                     })
            {
                c.Text(label, c.Body, PdfCanvas.Muted, Margin, y);
                c.Text(value, c.BodyBold, PdfCanvas.Ink, right, y, right: true);
                y += PdfCanvas.LineHeight(c.Body) + 4;
            }
            y += 8;
            c.Text(text.Reason, c.Label, PdfCanvas.Muted, Margin, y);
            y = c.Wrapped(note.Reason, c.Body, PdfCanvas.Ink, Margin, y + PdfCanvas.LineHeight(c.Label), width);
            c.Rule(Margin, right, y + 10);
            c.Wrapped(text.Footer, c.Small, PdfCanvas.Muted, Margin, y + 20, width);
        }
        using var output = new MemoryStream();
        document.Save(output, closeStream: false);
        return output.ToArray();
    }
}

/// <summary>GET /pay/{token}/credit-notes/{number}.pdf: anyone with the pay page's link, as the invoice PDF.</summary>
public static class CreditNotePdfHandlers
{
    public static async Task<Results<PdfFile, RazorComponentResult<PayPageView>>> ByToken(
        string token, string file, [FromQuery] string? lang, RefundStore store, CreditNotePdfRenderer renderer,
        SellerDetails seller, CancellationToken ct)
    {
        var number = file.EndsWith(".pdf", StringComparison.Ordinal) ? file[..^4] : null;
        return number is { Length: > 0 and <= 40 } && await store.ByTokenAsync(token, number, ct) is { } note
            ? new PdfFile(renderer.Render(note, lang), note.CreditNoteNumber)
            : PayPageHandlers.NotFoundPage(token, lang, seller);
    }
}
