using System.Text.Json;
using BillingCycle.Api.Infrastructure.Time;
using Npgsql;
using NpgsqlTypes;

namespace BillingCycle.Api.Infrastructure.Audit;

/// <summary>
/// billing_logs rows written from C# (the SQL functions write their own through
/// log_billing_event, in the transaction of the change they record): oddities found before any
/// state change, and errors that stopped one item of a job.
/// </summary>
public sealed class BillingLog(NpgsqlDataSource db, BillingClock clock)
{
    public async Task WriteAsync(string eventType, Guid? subscriptionId, string? userId, string status, object details, string? error)
    {
        await using var cmd = db.CreateCommand("SELECT log_billing_event($1, $2, $3, $4, $5::jsonb, $6, $7)");
        cmd.Parameters.Add(new() { Value = eventType });
        cmd.Parameters.Add(new() { Value = subscriptionId is { } s ? s : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
        cmd.Parameters.Add(new() { Value = (object?)userId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = status });
        cmd.Parameters.Add(new() { Value = JsonSerializer.Serialize(details) });
        cmd.Parameters.Add(new() { Value = (object?)error ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = clock.UtcNow });
        await cmd.ExecuteNonQueryAsync(CancellationToken.None);
    }
}
