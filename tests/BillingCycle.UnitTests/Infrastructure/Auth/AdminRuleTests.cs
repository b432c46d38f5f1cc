using System.Text.Json;
using BillingCycle.Api.Infrastructure.Auth;

namespace BillingCycle.UnitTests.Auth;

public sealed class AdminRuleTests
{
    private const string Org = "org_ops";

    private static bool IsAdmin(string claims, string role = "admin", string? org = Org)
    {
        using var doc = JsonDocument.Parse(claims);
        return new AdminRule(role, org).IsAdmin(doc.RootElement);
    }

    [Theory]
    [InlineData("""{"metadata":{"role":"admin"}}""")]
    [InlineData("""{"v":2,"o":{"id":"org_ops","rol":"admin"}}""")]
    [InlineData("""{"v":2,"o":{"id":"org_ops","rol":"org:admin"}}""")]
    [InlineData("""{"v":2,"o":{"id":"org_ops","rol":"org:org:admin"}}""")]
    [InlineData("""{"org_id":"org_ops","org_role":"org:admin"}""")]
    [InlineData("""{"v":1,"org_id":"org_ops","org_role":"admin"}""")]
    public void Admins(string claims) => Assert.True(IsAdmin(claims));

    [Theory]
    [InlineData("""{}""")]
    [InlineData("""{"metadata":{"role":"Admin"}}""")]
    [InlineData("""{"metadata":{"role":["admin"]}}""")]
    [InlineData("""{"metadata":"admin"}""")]
    [InlineData("""{"role":"admin"}""")]
    [InlineData("""{"v":2,"o":{"id":"org_other","rol":"admin"}}""")]
    [InlineData("""{"v":2,"o":{"id":"org_other","rol":"org:admin"}}""")]
    [InlineData("""{"v":2,"o":{"rol":"admin"}}""")]
    [InlineData("""{"v":2,"o":{"rol":"org:admin"}}""")]
    [InlineData("""{"v":2,"o":{"id":"org_ops","rol":"member"}}""")]
    [InlineData("""{"v":2,"o":{"id":"org_ops","rol":""}}""")]
    [InlineData("""{"v":2,"o":{"id":"org_ops","rol":"org:"}}""")]
    [InlineData("""{"v":2,"o":{"id":"org_ops"}}""")]
    [InlineData("""{"v":2,"o":{"id":["org_ops"],"rol":"admin"}}""")]
    [InlineData("""{"v":2,"o":{"id":"org_opsx","rol":"admin"}}""")]
    [InlineData("""{"v":2,"org_id":"org_ops","org_role":"org:admin"}""")]
    [InlineData("""{"org_id":"org_other","org_role":"org:admin"}""")]
    [InlineData("""{"org_role":"org:admin"}""")]
    [InlineData("""{"o":{"id":"org_ops","rol":"admin"}}""")]
    [InlineData("""{"v":"2","o":{"id":"org_ops","rol":"admin"}}""")]
    [InlineData("""[1]""")]
    public void Not_admins(string claims) => Assert.False(IsAdmin(claims));

    [Fact]
    public void Without_an_admin_organization_no_organization_role_counts()
    {
        Assert.False(IsAdmin("""{"v":2,"o":{"id":"org_ops","rol":"admin"}}""", org: null));
        Assert.False(IsAdmin("""{"org_id":"org_ops","org_role":"org:admin"}""", org: null));
        Assert.False(IsAdmin("""{"v":2,"o":{"id":"","rol":"admin"}}""", org: ""));
        Assert.True(IsAdmin("""{"metadata":{"role":"admin"}}""", org: null));
    }

    [Fact]
    public void The_configured_role_may_carry_the_prefix_but_metadata_role_is_compared_exactly()
    {
        Assert.True(IsAdmin("""{"v":2,"o":{"id":"org_ops","rol":"billing"}}""", role: "org:billing"));
        Assert.True(IsAdmin("""{"metadata":{"role":"org:billing"}}""", role: "org:billing"));
        Assert.False(IsAdmin("""{"metadata":{"role":"billing"}}""", role: "org:billing"));
        Assert.False(IsAdmin("""{"v":2,"o":{"id":"org_ops","rol":"admin"}}""", role: "org:billing"));
    }

    [Fact]
    public void A_role_setting_that_is_only_the_prefix_matches_nothing()
    {
        Assert.False(IsAdmin("""{"v":2,"o":{"id":"org_ops","rol":"org:"}}""", role: "org:"));
        Assert.False(IsAdmin("""{"v":2,"o":{"id":"org_ops","rol":""}}""", role: "org:"));
    }
}
