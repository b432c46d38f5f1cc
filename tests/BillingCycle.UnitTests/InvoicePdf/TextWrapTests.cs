using BillingCycle.Api.InvoicePdf;

namespace BillingCycle.UnitTests.InvoicePdf;

public sealed class TextWrapTests
{
    // One unit per character: a width of 10 holds ten characters.
    private static IReadOnlyList<string> Wrap(string text, double width = 10) => TextWrap.Lines(text, width, s => s.Length);

    [Fact]
    public void Text_that_fits_is_one_line() => Assert.Equal(["Jl. Sudirman"], Wrap("Jl. Sudirman", 20));

    [Fact]
    public void Lines_break_at_spaces_and_never_exceed_the_width()
    {
        var lines = Wrap("Jl. Jend. Sudirman Kav. 52-53 Jakarta Selatan");

        Assert.Equal(["Jl. Jend.", "Sudirman", "Kav. 52-53", "Jakarta", "Selatan"], lines);
        Assert.All(lines, l => Assert.True(l.Length <= 10));
    }

    [Fact]
    public void A_word_longer_than_the_line_is_cut_where_it_stops_fitting() =>
        Assert.Equal(["abcdefghij", "klmnopqrst", "uv"], Wrap("abcdefghijklmnopqrstuv"));

    [Fact]
    public void Newlines_start_new_lines_and_blank_text_draws_nothing()
    {
        Assert.Equal(["PT Contoh", "Jakarta"], Wrap("PT Contoh\nJakarta"));
        Assert.Empty(Wrap("   "));
    }
}
