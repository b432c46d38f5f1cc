using BillingCycle.Api.Infrastructure;
using PdfSharp.Fonts;

namespace BillingCycle.Api.InvoicePdf;

/// <summary>
/// The fonts the PDF invoices are drawn with. PDFsharp 6 finds no fonts of its own on Linux: it
/// asks an <see cref="IFontResolver"/>. This one serves DejaVu Sans (regular and bold) from files
/// embedded in this assembly (InvoicePdf/Fonts, with their licence, which permits redistribution)
/// rather than from /usr/share/fonts: the service then draws the same invoice everywhere, in the
/// aspnet container image (which has no fonts), on CI and on a developer's machine, with no
/// package to install. DejaVu covers Latin, the rupiah amounts and the "→" of plan changes.
/// </summary>
public sealed class InvoiceFonts : IFontResolver
{
    /// <summary>The family name the renderer asks for; any other name resolves to it as well.</summary>
    public const string Family = "DejaVu Sans";

    private const string Regular = "DejaVuSans";
    private const string Bold = "DejaVuSans-Bold";

    private static readonly Lock Gate = new();
    private static InvoiceFonts? _installed;

    private readonly Dictionary<string, byte[]> _faces;

    private InvoiceFonts(Dictionary<string, byte[]> faces) => _faces = faces;

    /// <summary>
    /// Sets PDFsharp's process-wide resolver once (PDFsharp wants the same instance on every
    /// setting: several hosts share a test process). A font missing from the assembly stops start-up.
    /// </summary>
    public static InvoiceFonts Install()
    {
        lock (Gate)
        {
            if (_installed is null)
            {
                _installed = new InvoiceFonts(new Dictionary<string, byte[]>(StringComparer.Ordinal)
                {
                    [Regular] = Load(Regular),
                    [Bold] = Load(Bold),
                });
                GlobalFontSettings.FontResolver = _installed;
            }
            return _installed;
        }
    }

    public FontResolverInfo? ResolveTypeface(string familyName, bool bold, bool italic) =>
        // No italic face is shipped: PDFsharp slants the regular or bold one when asked.
        new(bold ? Bold : Regular, mustSimulateBold: false, mustSimulateItalic: italic);

    public byte[]? GetFont(string faceName) => _faces.GetValueOrDefault(faceName);

    private static byte[] Load(string face)
    {
        var name = $"fonts/{face}.ttf";
        using var stream = typeof(InvoiceFonts).Assembly.GetManifestResourceStream(name)
            ?? throw new StartupException($"the PDF invoice font {name} is missing from the build (src/BillingCycle.Api/InvoicePdf/Fonts)");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
