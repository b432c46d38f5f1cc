using BillingCycle.Api.Infrastructure.Time;
using Npgsql;

namespace BillingCycle.Api.Subscriptions;

/// <summary>
/// The monthly allowances of yearly plans (contract §11.1), a step of the housekeeping job: months
/// 2..12 of a paid yearly invoice, each granted once it has begun (db/functions/yearly_allowances.sql,
/// billing_grant_allowances). Once per (invoice, month) is the ledger's unique reference key, so a
/// repeated or late run grants nothing twice; pages of <see cref="PageSize"/> keep transactions short.
/// </summary>
public sealed class YearlyAllowances(NpgsqlDataSource db, BillingClock clock)
{
    public const int PageSize = 500;

    /// <summary>Grants every month due now; returns how many (invoice, month) allowances were granted.</summary>
    public async Task<int> GrantDueAsync(CancellationToken stopping)
    {
        var now = clock.UtcNow;
        var total = 0;
        while (!stopping.IsCancellationRequested)
        {
            await using var cmd = db.CreateCommand("SELECT billing_grant_allowances($1, $2)");
            cmd.Parameters.Add(new() { Value = now });
            cmd.Parameters.Add(new() { Value = PageSize });
            var granted = (int)(await cmd.ExecuteScalarAsync(CancellationToken.None))!;
            total += granted;
            if (granted < PageSize)
            {
                break;
            }
        }
        return total;
    }
}
