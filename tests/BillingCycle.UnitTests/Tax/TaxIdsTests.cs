using BillingCycle.Api.Billing;
using BillingCycle.Api.Infrastructure;
using BillingCycle.Api.Tax;
using Microsoft.Extensions.Configuration;

namespace BillingCycle.UnitTests.Tax;

/// <summary>Tax numbers as DJP shapes them and people type them (contract §12.2, §12.3); the settings of §12.1 and §12.3.</summary>
public sealed class TaxIdsTests
{
    [Theory]
    [InlineData("0012345678901000", "0012345678901000")]
    [InlineData("012345678901000", "0012345678901000")]      // the 15-digit form: a leading 0
    [InlineData("01.234.567.8-901.000", "0012345678901000")] // as printed on the card
    [InlineData(" 0012 3456 7890 1000 ", "0012345678901000")]
    [InlineData("01234567890100", null)]                     // 14 digits
    [InlineData("00123456789010001", null)]                  // 17 digits
    [InlineData("0012345678901O00", null)]                   // a letter O
    [InlineData("0012345678901000/", null)]
    [InlineData("", null)]
    public void An_NPWP_is_16_digits_and_the_15_digit_form_gets_a_leading_zero(string typed, string? stored) =>
        Assert.Equal(stored, TaxIds.Npwp(typed));

    [Theory]
    [InlineData(null, "0012345678901000000000")]
    [InlineData("0012345678901000000123", "0012345678901000000123")]
    [InlineData("0012345678901001000123", null)] // another NPWP's
    [InlineData("001234567890100000012", null)]  // 21 digits
    public void A_NITKU_is_22_digits_beginning_with_the_NPWP_and_defaults_to_the_head_office(string? typed, string? stored) =>
        Assert.Equal(stored, TaxIds.Nitku(typed, "0012345678901000"));

    [Fact]
    public void A_NIK_is_16_digits_and_a_passport_5_to_20_letters_and_digits()
    {
        Assert.Equal("3171010101010001", TaxIds.Nik("3171010101010001"));
        Assert.Null(TaxIds.Nik("317101010101000"));
        Assert.Equal("X1234567", TaxIds.Passport("x1234567"));
        Assert.Null(TaxIds.Passport("X12"));
        Assert.Null(TaxIds.Passport("X12<34>"));
    }

    private static IConfiguration Config(params (string, string)[] pairs) =>
        new ConfigurationBuilder().AddInMemoryCollection(pairs.ToDictionary(p => p.Item1, p => (string?)p.Item2)).Build();

    [Fact]
    public void The_other_base_is_a_fraction_n_over_d_of_at_most_one_and_defaults_to_one()
    {
        Assert.Equal((1, 1), TaxSettings.OtherBase(null));
        Assert.Equal((11, 12), TaxSettings.OtherBase("11/12"));
        Assert.Equal((11, 12), TaxSettings.FromConfiguration(Config(("BILLING_TAX_OTHER_BASE", " 11 / 12 "))) is var t ? (t.OtherBaseNumerator, t.OtherBaseDenominator) : default);
        foreach (var bad in new[] { "12/11", "0/12", "11", "11/0", "a/b", "-1/2", "1.5/2" })
        {
            var e = Assert.Throws<StartupException>(() => TaxSettings.OtherBase(bad));
            Assert.Contains("BILLING_TAX_OTHER_BASE", e.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("BILLING_SELLER_NPWP", "01.234.567.8-901.00")]
    [InlineData("BILLING_SELLER_NITKU", "0012345678901000")]
    [InlineData("BILLING_TAX_SERVICE_CODE", "12345")]
    [InlineData("BILLING_TAX_UNIT_CODE", "BULAN")]
    public void With_tax_on_a_malformed_seller_setting_stops_start_up_naming_it(string name, string value)
    {
        var settings = new Dictionary<string, string> { ["BILLING_TAX_PERCENT"] = "12", ["BILLING_SELLER_NPWP"] = "0012345678901000", [name] = value };
        var e = Assert.Throws<StartupException>(() => SellerTaxIdentity.FromConfiguration(Config(settings.Select(kv => (kv.Key, kv.Value)).ToArray())));
        Assert.StartsWith(name, e.Message, StringComparison.Ordinal);

        // Tax off: the settings are not used, and nothing stops.
        settings["BILLING_TAX_PERCENT"] = "0";
        SellerTaxIdentity.FromConfiguration(Config(settings.Select(kv => (kv.Key, kv.Value)).ToArray()));
    }

    [Fact]
    public void The_seller_defaults_are_the_head_office_NITKU_code_000000_and_DJP_s_unit_Bulan()
    {
        var s = SellerTaxIdentity.FromConfiguration(Config(("BILLING_TAX_PERCENT", "12"), ("BILLING_SELLER_NPWP", "01.234.567.8-901.000")));
        Assert.Equal(new SellerTaxIdentity("0012345678901000", "0012345678901000000000", "000000", "UM.0024"), s);
    }
}
