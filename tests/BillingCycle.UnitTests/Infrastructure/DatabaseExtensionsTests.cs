using BillingCycle.Api.Infrastructure.Database;

namespace BillingCycle.UnitTests.Infrastructure;

/// <summary>When the service prepares repeated statements itself (docs/operations.md), whichever form DATABASE_URL takes.</summary>
public sealed class DatabaseExtensionsTests
{
    [Theory]
    [InlineData("postgres://billing:secret@db.example.com:5432/billing")]
    [InlineData("Host=db.example.com;Port=5432;Database=billing;Username=billing")]
    public void A_direct_connection_prepares_up_to_64_statements(string url) =>
        Assert.Equal(64, Prepared(url));

    [Theory]
    [InlineData("postgres://billing:secret@pooler.supabase.com:6543/postgres")]
    [InlineData("Host=pooler.supabase.com;Port=6543;Database=postgres;Username=billing")]
    public void The_transaction_pooler_on_6543_prepares_nothing(string url) =>
        Assert.Equal(0, Prepared(url));

    [Theory]
    [InlineData("Host=pgbouncer.internal;Port=6432;Database=billing;Max Auto Prepare=0")]
    [InlineData("Host=pgbouncer.internal;Port=6432;Database=billing;maxautoprepare=0")]
    [InlineData("postgres://billing@pgbouncer.internal:6432/billing?Max%20Auto%20Prepare=0")]
    [InlineData("postgres://billing@pgbouncer.internal:6432/billing?maxautoprepare=0")]
    public void An_explicit_zero_is_kept_in_every_form_the_parser_accepts(string url) =>
        Assert.Equal(0, Prepared(url));

    [Theory]
    [InlineData("Host=db.example.com;Port=5432;Database=billing;Max Auto Prepare=8")]
    [InlineData("postgres://billing@db.example.com:5432/billing?Max%20Auto%20Prepare=8")]
    public void An_explicit_figure_is_kept(string url) =>
        Assert.Equal(8, Prepared(url));

    private static int Prepared(string url)
    {
        var csb = DatabaseUrl.Parse(url);
        DatabaseExtensions.PrepareRepeatedStatements(csb);
        return csb.MaxAutoPrepare;
    }
}
