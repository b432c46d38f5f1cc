using BillingCycle.Api.Infrastructure.Auth;

namespace BillingCycle.UnitTests.Billing;

public sealed class CronSecretTests
{
    [Theory]
    [InlineData("s3cret", "Bearer s3cret", true)]
    [InlineData("s3cret", "bearer s3cret", true)]
    [InlineData("s3cret", "Bearer s3cre", false)]
    [InlineData("s3cret", "Bearer s3cret2", false)]
    [InlineData("s3cret", "s3cret", false)]
    [InlineData("s3cret", null, false)]
    [InlineData(null, "Bearer ", false)]
    [InlineData("", "Bearer ", false)]
    public void Only_the_exact_secret_as_a_bearer_token_matches(string? secret, string? header, bool expected) =>
        Assert.Equal(expected, CronSecretFilter.Matches(secret, header));
}
