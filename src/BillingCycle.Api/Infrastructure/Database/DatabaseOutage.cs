using System.Diagnostics;
using BillingCycle.Api.Infrastructure.Alerts;
using BillingCycle.Api.Infrastructure.Observability;
using Npgsql;

namespace BillingCycle.Api.Infrastructure.Database;

/// <summary>
/// The database away (stopped, crashed, restarting, recovering): every request that meets it is
/// answered 503 SERVICE_UNAVAILABLE (contract §5: a fault of ours, never a 500 and never a 200 for
/// something not stored), counted in billing_database_unavailable_total, and raises one alert per
/// minute at most while it lasts. The next request after the restart reconnects: nothing here
/// needs the process restarted.
/// </summary>
public sealed class DatabaseOutage(AlertSender alerts, NpgsqlDataSource db)
{
    /// <summary>Real time (a transport concern, like HTTP time-outs), never the billing clock.</summary>
    private long _lastAlert = long.MinValue;

    /// <summary>
    /// True for what the database being away looks like from here: a connection refused, reset or
    /// timed out (Npgsql's transient errors) and the server's own "shutting down", "starting up",
    /// "in recovery" and crash answers (SQLSTATE classes 08 and 57P).
    /// </summary>
    public static bool Is(Exception? ex) => ex switch
    {
        PostgresException pg => pg.SqlState.StartsWith("08", StringComparison.Ordinal)
                                || pg.SqlState.StartsWith("57P", StringComparison.Ordinal) || pg.IsTransient,
        NpgsqlException n => n.IsTransient || n.InnerException is TimeoutException or System.Net.Sockets.SocketException or IOException,
        _ => false,
    };

    /// <summary>Counts it, raises the alert when none went out in the last minute, and drops the pool's dead connections.</summary>
    public void Met(string where, Exception ex)
    {
        BillingMetrics.DatabaseUnavailable.Add(1, new KeyValuePair<string, object?>("where", where));
        // A crashed server leaves every pooled connection dead: drop them so the next request reconnects.
        db.Clear();
        var now = Stopwatch.GetTimestamp();
        var last = Interlocked.Read(ref _lastAlert);
        if ((last == long.MinValue || Stopwatch.GetElapsedTime(last, now) > TimeSpan.FromMinutes(1))
            && Interlocked.CompareExchange(ref _lastAlert, now, last) == last)
        {
            alerts.Raise("Database unreachable: requests answered 503", new { where, error = ex.GetType().Name });
        }
    }
}
