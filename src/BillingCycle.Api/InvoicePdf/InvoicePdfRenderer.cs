using BillingCycle.Api.Billing;
using BillingCycle.Api.Invoices;
using BillingCycle.Api.Infrastructure.Time;
using PdfSharp.Drawing;
using PdfSharp.Pdf;

namespace BillingCycle.Api.InvoicePdf;

/// <summary>
/// One invoice as an A4 PDF (contract §7.7), in the pay page's words and money format (Bahasa
/// Indonesia by default, English on request): the seller with address and NPWP, the buyer's name
/// and email, the invoice number, issue and paid dates, the period, the line items with the tax
/// line and the total (<see cref="InvoiceLines"/>, as the pay page shows them), and the status;
/// an open invoice names its pay page. Drawn with PDFsharp as real text, so it can be read back.
/// </summary>
public sealed class InvoicePdfRenderer(SellerDetails seller, BillingOptions options, CustomerTime? zone = null)
{
    private const double Margin = 50;

    /// <summary>
    /// The most of a buyer's name or email drawn: the database bounds both (contract §10.4), but
    /// rows written before the bound, or by the web app around it, are cut here, never drawn whole.
    /// </summary>
    public const int MaxBuyerText = 200;

    public static string? Bounded(string? text) =>
        text is { Length: > MaxBuyerText } ? string.Concat(text.AsSpan(0, MaxBuyerText - 1), "…") : text;

    public byte[] Render(PayPageInvoice invoice, PayPageText text)
    {
        text = text.In(zone ?? CustomerTime.Jakarta);
        using var document = new PdfDocument();
        document.Info.Title = $"{text.Title} {invoice.InvoiceNumber}";
        document.Info.Author = seller.Name;
        document.Info.Subject = $"{text.Title} {invoice.InvoiceNumber}, {seller.Name}";
        document.Info.CreationDate = invoice.CreatedAt.UtcDateTime; // the same file for the same invoice and status
        var page = document.AddPage();
        page.Size = PdfSharp.PageSize.A4;
        using (var gfx = XGraphics.FromPdfPage(page))
        {
            var canvas = new PdfCanvas(gfx);
            var right = page.Width.Point - Margin;
            var y = Header(canvas, invoice, text, right);
            canvas.Rule(Margin, right, y);
            y = Parties(canvas, invoice, text, y + 16, right);
            y = Lines(canvas, invoice, text, y + 22, right);
            Footer(canvas, invoice, text, y + 26, right);
        }
        using var output = new MemoryStream();
        document.Save(output, closeStream: false);
        return output.ToArray();
    }

    /// <summary>The seller on the left; the title, the number and the status on the right.</summary>
    private double Header(PdfCanvas c, PayPageInvoice invoice, PayPageText text, double right)
    {
        var columnWidth = (right - Margin) * 0.55;
        var left = c.Wrapped(seller.Name, c.SellerName, PdfCanvas.Ink, Margin, Margin, columnWidth);
        foreach (var line in seller.AddressLines)
        {
            left = c.Wrapped(line, c.Body, PdfCanvas.Muted, Margin, left, columnWidth);
        }
        if (seller.Npwp is { } npwp)
        {
            left = c.Wrapped($"NPWP {npwp}", c.Body, PdfCanvas.Muted, Margin, left, columnWidth);
        }
        if (seller.Nitku is { } nitku)
        {
            left = c.Wrapped($"NITKU {nitku}", c.Body, PdfCanvas.Muted, Margin, left, columnWidth);
        }

        // Paid, the document is the customer's receipt (Kuitansi); until then, the invoice.
        var title = invoice.Status == "paid" ? text.Extras.Receipt : text.Title;
        c.Text(title.ToUpperInvariant(), c.Title, PdfCanvas.Ink, right, Margin, right: true);
        var top = Margin + PdfCanvas.LineHeight(c.Title) + 2;
        c.Text(invoice.InvoiceNumber, c.BodyBold, PdfCanvas.Ink, right, top, right: true);
        top += PdfCanvas.LineHeight(c.BodyBold);
        c.Text(text.StatusWord(invoice), c.BodyBold, StatusColor(invoice), right, top, right: true);
        top += PdfCanvas.LineHeight(c.BodyBold);
        return Math.Max(left, top) + 14;
    }

    /// <summary>Billed to on the left; the invoice's dates and status as label and value on the right.</summary>
    private static double Parties(PdfCanvas c, PayPageInvoice invoice, PayPageText text, double y, double right)
    {
        var width = right - Margin;
        var buyerWidth = width * 0.38;
        c.Text(text.Buyer.ToUpperInvariant(), c.Label, PdfCanvas.Muted, Margin, y);
        var left = y + PdfCanvas.LineHeight(c.Label) + 2;
        left = c.Wrapped(Bounded(invoice.BuyerName ?? invoice.BuyerEmail) ?? "-", c.BodyBold, PdfCanvas.Ink, Margin, left, buyerWidth);
        if (invoice.BuyerName is not null && invoice.BuyerEmail is not null)
        {
            left = c.Wrapped(Bounded(invoice.BuyerEmail)!, c.Body, PdfCanvas.Muted, Margin, left, buyerWidth);
        }
        // The buyer's address and NPWP or NIK (contract §12.6).
        foreach (var line in new[] { invoice.BuyerTax?.Address, invoice.BuyerTax?.Identity(text) }.OfType<string>())
        {
            left = c.Wrapped(line, c.Body, PdfCanvas.Muted, Margin, left, buyerWidth);
        }

        var rows = new List<(string Label, string Value)>
        {
            (text.Invoice, invoice.InvoiceNumber),
            (text.IssuedOn, text.Date(invoice.CreatedAt)),
        };
        if (invoice.HasPeriod)
        {
            rows.Add((text.Period, $"{text.Date(invoice.PeriodStart)} – {text.Date(invoice.PeriodEnd)}"));
        }
        if (invoice.PaidAt is { } paidAt)
        {
            rows.Add((text.PaidOn, text.DateTime(paidAt)));
        }
        if (invoice.TransactionId is { } trx)
        {
            rows.Add((text.Extras.TransactionId, trx));
        }
        if (PayPageExtras.Method(invoice.PaidMethod, invoice.PaidChannel) is { } method)
        {
            rows.Add((text.Extras.PaidWith, method));
        }
        if (invoice.IsOpen && invoice.LinkExpiresAt is { } due)
        {
            rows.Add((text.Extras.PayBy, text.DateTime(due)));
        }
        if (invoice.Nsfp is { } nsfp)
        {
            rows.Add((text.TaxInvoiceNumber, nsfp));
        }
        rows.Add((text.Status, text.StatusWord(invoice)));
        var x = Margin + width * 0.42;
        const double labelWidth = 100;
        var detail = y;
        foreach (var (label, value) in rows)
        {
            c.Text(label, c.Body, PdfCanvas.Muted, x, detail);
            detail = c.Wrapped(value, c.Body, PdfCanvas.Ink, right, detail, right - x - labelWidth, right: true);
        }
        return Math.Max(left, detail);
    }

    /// <summary>The table: a header band, the item, the tax and its base, the total.</summary>
    private static double Lines(PdfCanvas c, PayPageInvoice invoice, PayPageText text, double y, double right)
    {
        const double pad = 6;
        var band = PdfCanvas.LineHeight(c.Label) + 2 * pad;
        c.Fill(Margin, y, right - Margin, band);
        c.Text(text.Item.ToUpperInvariant(), c.Label, PdfCanvas.Muted, Margin + pad, y + pad);
        c.Text(text.Amount.ToUpperInvariant(), c.Label, PdfCanvas.Muted, right - pad, y + pad, right: true);
        y += band + pad;
        foreach (var row in InvoiceLines.For(invoice, text))
        {
            var (font, color) = row.Kind switch
            {
                InvoiceLineKind.Total => (c.TotalFont, PdfCanvas.Ink),
                InvoiceLineKind.TaxBase or InvoiceLineKind.OtherTaxBase => (c.Small, PdfCanvas.Muted),
                _ => (c.Body, PdfCanvas.Ink),
            };
            if (row.Kind == InvoiceLineKind.Total)
            {
                c.Rule(Margin, right, y, 1);
                y += pad;
            }
            c.Text(text.Money(row.Amount), font, color, right - pad, y, right: true);
            y = c.Wrapped(row.Label, font, color, Margin + pad, y, right - Margin - 150) + pad;
        }
        return y;
    }

    /// <summary>Paid: when. Open: where to pay. Otherwise the status says it.</summary>
    private void Footer(PdfCanvas c, PayPageInvoice invoice, PayPageText text, double y, double right)
    {
        if (invoice.PaidAt is { } paidAt && invoice.Status == "paid")
        {
            c.Text($"{text.Paid} · {text.PaidOn} {text.DateTime(paidAt)}", c.BodyBold, PdfCanvas.Paid, Margin, y);
        }
        else if (invoice.IsOpen && options.PayPageUrl(invoice.PublicToken) is { } url)
        {
            c.Wrapped($"{text.PayAt} {url}", c.Body, PdfCanvas.Ink, Margin, y, right - Margin);
        }
    }

    private static XColor StatusColor(PayPageInvoice invoice) =>
        invoice.Status == "paid" ? PdfCanvas.Paid : invoice.IsOpen ? PdfCanvas.Open : PdfCanvas.Muted;
}
