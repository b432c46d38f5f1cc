namespace BillingCycle.Api.InvoicePdf;

/// <summary>
/// Breaks text into lines no wider than a width, at spaces, given how wide a string is drawn
/// (PDFsharp draws one line per call and never wraps). A word wider than the line on its own is
/// cut where it no longer fits, so nothing is drawn past the margin. The cut is found from each
/// character's width, measured once, so a long word costs time in proportion to its length (a
/// name without spaces is anyone's to choose: re-measuring ever-shorter prefixes cost its cube).
/// </summary>
public static class TextWrap
{
    public static IReadOnlyList<string> Lines(string text, double width, Func<string, double> measure)
    {
        var lines = new List<string>();
        var widths = new Dictionary<char, double>();
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
                while (line.Length > 1)
                {
                    var fit = Fit(line, width, measure, widths);
                    if (fit == line.Length)
                    {
                        break;
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

    /// <summary>
    /// How many leading characters of a word fit (at least one): summed character widths stop at
    /// the first that overflows, after looking at no more than a line's worth; the prefix is then
    /// measured whole and shortened while kerning makes it wider than its sum.
    /// </summary>
    private static int Fit(string word, double width, Func<string, double> measure, Dictionary<char, double> widths)
    {
        var fit = 0;
        var sum = 0.0;
        while (fit < word.Length)
        {
            if (!widths.TryGetValue(word[fit], out var w))
            {
                w = measure(word[fit].ToString());
                widths[word[fit]] = w;
            }
            if (sum + w > width)
            {
                break;
            }
            sum += w;
            fit++;
        }
        while (fit > 1 && measure(word[..fit]) > width)
        {
            fit--;
        }
        return Math.Max(fit, 1);
    }
}
