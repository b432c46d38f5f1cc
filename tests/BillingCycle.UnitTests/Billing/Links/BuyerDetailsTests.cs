using BillingCycle.Api.Billing.Links;

namespace BillingCycle.UnitTests.Billing.Links;

public sealed class BuyerDetailsTests
{
    [Theory]
    [InlineData("Nyoman Suárez", null, "Nyoman Suarez")]
    [InlineData("  ", "budi.s@mail.test", "budi.s")]
    [InlineData(null, null, "user_123")]
    [InlineData("李", null, "Customer")]
    public void Names_become_plain_ascii(string? name, string? email, string expected) =>
        Assert.Equal(expected, BuyerDetails.Name(name, email, "user_123"));

    [Theory]
    [InlineData("+62 812-3456-789", "08123456789")]
    [InlineData("08123456789", "08123456789")]
    [InlineData(null, "080000000000")]
    public void Phones_become_local_digits(string? phone, string expected) => Assert.Equal(expected, BuyerDetails.Phone(phone));

    [Fact]
    public void A_missing_email_gets_a_placeholder_that_iPaymu_accepts() =>
        Assert.Equal("user123@no-email.invalid", BuyerDetails.Email(null, "user_123"));
}
