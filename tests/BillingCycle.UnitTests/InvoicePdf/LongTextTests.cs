using System.Diagnostics;
using BillingCycle.Api.Billing;
using BillingCycle.Api.InvoicePdf;
using BillingCycle.Api.Invoices;
using BillingCycle.TestSupport;

namespace BillingCycle.UnitTests.InvoicePdf;

/// <summary>A name without spaces is anyone's to choose: wrapping it costs time in proportion to its length, and a PDF of it is quick.</summary>
public sealed class LongTextTests
{
    [Fact]
    public void Cutting_a_long_word_measures_a_few_times_its_length_in_characters_not_its_square()
    {
        var measured = 0L;
        var word = new string('a', 4_000);
        var lines = TextWrap.Lines(word, 100, s => { measured += s.Length; return s.Length; });

        Assert.Equal(40, lines.Count);
        Assert.All(lines, l => Assert.Equal(100, l.Length));
        Assert.Equal(word, string.Concat(lines));
        // The old cut re-measured ever-shorter prefixes of what was left: about 4,000³/200 characters.
        Assert.True(measured <= 3 * word.Length, $"{measured} characters measured");
    }

    [Fact]
    public void A_kerned_prefix_wider_than_its_characters_sum_is_still_cut_inside_the_width()
    {
        // A measure that adds 1 per pair of characters: the sum of single widths underestimates it.
        static double Kerned(string s) => s.Length + (s.Length / 2);
        var lines = TextWrap.Lines(new string('b', 500), 60, Kerned);
        Assert.All(lines, l => Assert.True(Kerned(l) <= 60, $"'{l.Length}' chars drawn {Kerned(l)} wide"));
        Assert.Equal(500, lines.Sum(l => l.Length));
    }

    [Fact]
    public void A_4000_character_name_and_email_render_in_well_under_a_second_cut_to_200_characters()
    {
        var renderer = new InvoicePdfRenderer(new SellerDetails("PT Contoh Jaya", "Jakarta", null),
            new BillingOptions { PublicBaseUrl = new Uri("https://billing.example.com") });
        var invoice = InvoiceSamples.Checkout(buyerName: new string('N', 4_000), buyerEmail: new string('e', 3_990) + "@example.com");
        renderer.Render(InvoiceSamples.Checkout(), PayPageText.Indonesian); // fonts loaded once, as at start-up

        var clock = Stopwatch.StartNew();
        var pdf = renderer.Render(invoice, PayPageText.Indonesian);
        clock.Stop();
        Figures.Note($"PDF, 4,000-character name and email, renderer alone: {clock.Elapsed.TotalMilliseconds:0.0} ms");

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"{clock.ElapsedMilliseconds} ms");
        var text = InvoicePdfRendererTests.Words(pdf).Replace(" ", "", StringComparison.Ordinal);
        // 199 of the name's N and the few of the page's own words (November, Nomor): never 4,000.
        var n = text.Count(c => c == 'N');
        Assert.InRange(n, InvoicePdfRenderer.MaxBuyerText - 1, InvoicePdfRenderer.MaxBuyerText + 20);
        Assert.Contains("…", text, StringComparison.Ordinal);
        Assert.True(text.Count(c => c == 'e') < 400, "the email is cut too");
    }
}
