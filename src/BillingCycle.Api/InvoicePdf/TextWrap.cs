namespace BillingCycle.Api.InvoicePdf;

/// <summary>
/// Breaks text into lines no wider than a width, at spaces, given how wide a string is drawn
/// (PDFsharp draws one line per call and never wraps). A word wider than the line on its own is
/// cut where it no longer fits, so nothing is drawn past the margin.
/// </summary>
public static class TextWrap
{
    public static IReadOnlyList<string> Lines(string text, double width, Func<string, double> measure)
    {
        var lines = new List<string>();
        foreach (var paragraph in text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
        {
            var line = "";
            foreach (var word in paragraph.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                var candidate = line.Length == 0 ? word : line + " " + word;
                if (measure(candidate) <= width)
                {
                    line = candidate;
                    continue;
                }
                if (line.Length > 0)
                {
                    lines.Add(line);
                }
                line = word;
                while (line.Length > 1 && measure(line) > width)
                {
                    var fit = line.Length - 1;
                    while (fit > 1 && measure(line[..fit]) > width)
                    {
                        fit--;
                    }
                    lines.Add(line[..fit]);
                    line = line[fit..];
                }
            }
            if (line.Length > 0)
            {
                lines.Add(line);
            }
        }
        return lines;
    }
}
