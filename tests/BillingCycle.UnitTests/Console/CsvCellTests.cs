using BillingCycle.Api.Console;

namespace BillingCycle.UnitTests.Console;

/// <summary>The export's cells (OWASP, CSV injection): nothing a spreadsheet could read as a formula leaves unneutralised.</summary>
public sealed class CsvCellTests
{
    [Theory]
    [InlineData("=HYPERLINK(\"https://evil.test\",\"x\")")]
    [InlineData("+1+1")]
    [InlineData("-2+3")]
    [InlineData("@SUM(A1:A9)")]
    [InlineData("\t=1")]
    [InlineData("\r=1")]
    [InlineData("\n=1")]
    [InlineData("\0=1")]
    [InlineData(" =1+1")]
    [InlineData("   @cmd")]
    [InlineData("＝1+1")]
    [InlineData("＋1")]
    [InlineData("－1")]
    [InlineData("＠x")]
    public void A_cell_a_spreadsheet_could_read_as_a_formula_is_prefixed_with_a_quote(string value) =>
        Assert.Equal("'" + value, CsvCell.Neutralise(value));

    [Theory]
    [InlineData("Budi Santoso")]
    [InlineData("budi@example.com")]
    [InlineData("INV-202611-000042")]
    [InlineData("2026-11-01T02:00:00Z")]
    [InlineData("149000")]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("a=b")]
    public void Ordinary_cells_are_left_as_they_are(string value) => Assert.Equal(value, CsvCell.Neutralise(value));
}
