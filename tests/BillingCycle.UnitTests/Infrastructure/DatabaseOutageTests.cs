using BillingCycle.Api.Infrastructure.Database;
using Npgsql;

namespace BillingCycle.UnitTests.Infrastructure;

/// <summary>What counts as the database being away (answered 503), and what is a bug (500).</summary>
public sealed class DatabaseOutageTests
{
    [Theory]
    [InlineData("57P01")] // admin_shutdown: the server is stopping
    [InlineData("57P02")] // crash_shutdown: another backend crashed
    [InlineData("57P03")] // cannot_connect_now: starting up or in recovery
    [InlineData("08006")] // connection_failure
    [InlineData("53300")] // too_many_connections
    public void The_server_going_away_or_coming_back_is_an_outage(string sqlState) =>
        Assert.True(DatabaseOutage.Is(new PostgresException("away", "FATAL", "FATAL", sqlState)));

    [Fact]
    public void A_connection_refused_reset_or_timed_out_is_an_outage()
    {
        Assert.True(DatabaseOutage.Is(new NpgsqlException("Failed to connect", new System.Net.Sockets.SocketException(111))));
        Assert.True(DatabaseOutage.Is(new NpgsqlException("Exception while reading from stream", new EndOfStreamException())));
        Assert.True(DatabaseOutage.Is(new NpgsqlException("Exception while reading from stream", new TimeoutException())));
    }

    [Theory]
    [InlineData("23505")] // unique_violation: a bug or a race the code should have handled
    [InlineData("42P01")] // undefined_table
    [InlineData("BC409")] // the service's own raised error
    public void A_query_the_server_refused_is_not_an_outage(string sqlState) =>
        Assert.False(DatabaseOutage.Is(new PostgresException("refused", "ERROR", "ERROR", sqlState)));

    [Fact]
    public void Other_exceptions_are_not_an_outage()
    {
        Assert.False(DatabaseOutage.Is(new InvalidOperationException("a bug")));
        Assert.False(DatabaseOutage.Is(new TimeoutException("not the database's")));
        Assert.False(DatabaseOutage.Is(null));
    }
}
