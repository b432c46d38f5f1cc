using PdfSharp.Drawing;
using PdfSharp.Pdf;

namespace BillingCycle.Api.InvoicePdf;

/// <summary>
/// The few drawing moves an invoice needs, on one page, in points from the top-left corner:
/// text left- or right-aligned, text wrapped to a width (returning where it ended), a rule, a band.
/// </summary>
internal sealed class PdfCanvas(XGraphics gfx)
{
    private static readonly XPdfFontOptions Unicode = new(PdfFontEncoding.Unicode);

    public static readonly XColor Ink = XColor.FromArgb(28, 31, 36);
    public static readonly XColor Muted = XColor.FromArgb(91, 98, 112);
    public static readonly XColor Line = XColor.FromArgb(214, 218, 224);
    public static readonly XColor Band = XColor.FromArgb(244, 245, 247);
    public static readonly XColor Paid = XColor.FromArgb(21, 128, 61);
    public static readonly XColor Open = XColor.FromArgb(161, 98, 7);

    // Made per page rather than shared: PDFsharp documents no thread safety for sharing XFont
    // objects between documents drawn at once, and making them is cheap once the face is loaded.
    public XFont Title { get; } = Font(20, bold: true);
    public XFont SellerName { get; } = Font(13, bold: true);
    public XFont Body { get; } = Font(9.5);
    public XFont BodyBold { get; } = Font(9.5, bold: true);
    public XFont Small { get; } = Font(8.5);
    public XFont Label { get; } = Font(7.5, bold: true);
    public XFont TotalFont { get; } = Font(11, bold: true);

    private static XFont Font(double size, bool bold = false)
    {
        InvoiceFonts.Install();
        return new(InvoiceFonts.Family, size, bold ? XFontStyleEx.Bold : XFontStyleEx.Regular, Unicode);
    }

    public double Width(string text, XFont font) => gfx.MeasureString(text, font).Width;

    public static double LineHeight(XFont font) => font.GetHeight() * 1.15;

    /// <summary>Draws one line with its top at y; right-aligned ends at x.</summary>
    public void Text(string text, XFont font, XColor color, double x, double y, bool right = false)
    {
        var height = font.GetHeight();
        var rect = right ? new XRect(x - Width(text, font), y, Width(text, font), height) : new XRect(x, y, Width(text, font), height);
        gfx.DrawString(text, font, new XSolidBrush(color), rect, XStringFormats.TopLeft);
    }

    /// <summary>Draws text wrapped to a width from y; returns the y below its last line.</summary>
    public double Wrapped(string text, XFont font, XColor color, double x, double y, double width, bool right = false)
    {
        foreach (var line in TextWrap.Lines(text, width, s => Width(s, font)))
        {
            Text(line, font, color, x, y, right);
            y += LineHeight(font);
        }
        return y;
    }

    public void Rule(double x1, double x2, double y, double thickness = 0.6) =>
        gfx.DrawLine(new XPen(Line, thickness), x1, y, x2, y);

    public void Fill(double x, double y, double width, double height) =>
        gfx.DrawRectangle(new XSolidBrush(Band), x, y, width, height);
}
