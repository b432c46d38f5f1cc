using BillingCycle.Api.Infrastructure;
using BillingCycle.Api.Invoices;
using Microsoft.Extensions.Configuration;

namespace BillingCycle.UnitTests.InvoicePdf;

/// <summary>BILLING_SELLER_NAME, _ADDRESS, _NPWP (contract §7.7): parsed once at start-up, a bad one named in one line.</summary>
public sealed class SellerDetailsTests
{
    private static SellerDetails Parse(string? name = null, string? address = null, string? npwp = null) =>
        SellerDetails.FromConfiguration(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["BILLING_SELLER_NAME"] = name,
            ["BILLING_SELLER_ADDRESS"] = address,
            ["BILLING_SELLER_NPWP"] = npwp,
        }).Build());

    [Fact]
    public void Unset_the_seller_is_named_by_default_with_no_address_or_NPWP()
    {
        var s = Parse();

        Assert.Equal(SellerDetails.DefaultName, s.Name);
        Assert.Null(s.Address);
        Assert.Null(s.Npwp);
        Assert.Empty(s.AddressLines);
    }

    [Fact]
    public void An_address_may_have_lines_written_as_newlines_or_as_a_literal_backslash_n()
    {
        Assert.Equal(["Jl. Sudirman 1", "Jakarta 10220"], Parse(address: "Jl. Sudirman 1\\nJakarta 10220").AddressLines);
        Assert.Equal(["Jl. Sudirman 1", "Jakarta 10220"], Parse(address: "Jl. Sudirman 1\r\nJakarta 10220").AddressLines);
    }

    [Theory]
    [InlineData("01.234.567.8-901.000")]
    [InlineData("012345678901000")]
    [InlineData("3171 0123 4567 8901")]
    public void An_NPWP_of_15_or_16_digits_is_kept_as_written(string npwp) => Assert.Equal(npwp, Parse(npwp: npwp).Npwp);

    [Theory]
    [InlineData(null, null, "01.234.567.8-901", "BILLING_SELLER_NPWP")]
    [InlineData(null, null, "NPWP 01.234.567.8-901.000", "BILLING_SELLER_NPWP")]
    [InlineData("PT Contoh\nJaya", null, null, "BILLING_SELLER_NAME")]
    [InlineData(null, "Jl. Sudirman\u0007", null, "BILLING_SELLER_ADDRESS")]
    public void A_bad_setting_stops_start_up_naming_it(string? name, string? address, string? npwp, string setting)
    {
        var ex = Assert.Throws<StartupException>(() => Parse(name, address, npwp));
        Assert.StartsWith(setting, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Overlong_values_are_refused()
    {
        Assert.Throws<StartupException>(() => Parse(name: new string('a', SellerDetails.MaxNameLength + 1)));
        Assert.Throws<StartupException>(() => Parse(address: new string('a', SellerDetails.MaxAddressLength + 1)));
    }
}
