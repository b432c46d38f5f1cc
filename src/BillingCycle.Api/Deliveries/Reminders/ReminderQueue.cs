using BillingCycle.Api.Infrastructure.Time;
using Npgsql;

namespace BillingCycle.Api.Deliveries.Reminders;

/// <summary>What one housekeeping run queued.</summary>
public sealed record ReminderCounts(int UpcomingRenewals, int PaymentReminders, int TrialWillEnd);

/// <summary>
/// Queues the reminders of contract §8.3 and §11.2 (a step of the housekeeping job). The SQL functions in
/// db/functions/reminders.sql pick what is due and record each reminder under a unique index,
/// so two runs (or instances) never queue one twice; pages of <see cref="PageSize"/> keep each
/// transaction short on a big day.
/// </summary>
public sealed class ReminderQueue(NpgsqlDataSource db, ReminderOptions options, BillingClock clock)
{
    public const int PageSize = 500;

    public async Task<ReminderCounts> QueueDueAsync(CancellationToken stopping)
    {
        var now = clock.UtcNow;
        var upcoming = await DrainAsync("SELECT reminders_queue_upcoming_renewals($1, $2, $3)", now, options.UpcomingDays, stopping);
        var unpaid = await DrainAsync("SELECT reminders_queue_unpaid($1, $2, $3)", now, options.UnpaidHours, stopping);
        // trial_will_end (contract §11.2): db/functions/trials.sql, once per subscription.
        var trials = await DrainAsync("SELECT reminders_queue_trial_will_end($1, $2, $3)", now, options.TrialDays, stopping);
        return new ReminderCounts(upcoming, unpaid, trials);
    }

    private async Task<int> DrainAsync(string sql, DateTimeOffset now, int window, CancellationToken stopping)
    {
        var total = 0;
        while (!stopping.IsCancellationRequested)
        {
            await using var cmd = db.CreateCommand(sql);
            cmd.Parameters.Add(new() { Value = now });
            cmd.Parameters.Add(new() { Value = window });
            cmd.Parameters.Add(new() { Value = PageSize });
            var queued = (int)(await cmd.ExecuteScalarAsync(CancellationToken.None))!;
            total += queued;
            if (queued < PageSize)
            {
                break;
            }
        }
        return total;
    }
}
