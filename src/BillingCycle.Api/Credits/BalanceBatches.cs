using System.Collections.Concurrent;
using BillingCycle.Api.Infrastructure.Time;
using Npgsql;

namespace BillingCycle.Api.Credits;

/// <summary>A consume the balance could not cover (409 INSUFFICIENT_CREDITS).</summary>
public sealed class InsufficientCreditsException() : Exception("insufficient credits");

/// <summary>
/// Concurrent changes to one balance (user, credit type) go to the database together: while one
/// batch is in its transaction, the changes that arrive for the same balance wait and form the
/// next batch, one call of credits_apply_many (db/functions/credits.sql) that takes the balance
/// row's lock once and commits once. On a hot balance the lock is then held for one commit per
/// batch instead of one per change, which is what bounded it; an uncontended balance gets batches
/// of one and pays nothing extra. Each change is still its own ledger row, in arrival order, and
/// each request is answered only after its batch committed. Across instances the row lock still
/// orders everything.
/// </summary>
public sealed class BalanceBatches(NpgsqlDataSource db, BillingClock clock)
{
    private const int MaxBatch = 200;

    private sealed record Change(string Kind, long Amount, string? Reference, string? Description, string Actor,
        DateTimeOffset Now, TaskCompletionSource<CreditChange> Done);

    private sealed class Balance
    {
        public readonly List<Change> Waiting = [];
        public bool Writing;
    }

    private readonly ConcurrentDictionary<(string User, string Type), Balance> _balances = new();

    public Task<CreditChange> ApplyAsync(string userId, CreditType type, string kind, long amount, string? reference,
        string? description, string actor)
    {
        var change = new Change(kind, amount, reference, description, actor, clock.UtcNow,
            new TaskCompletionSource<CreditChange>(TaskCreationOptions.RunContinuationsAsynchronously));
        var key = (userId, type.Name());
        var balance = _balances.GetOrAdd(key, _ => new Balance());
        bool lead;
        lock (balance)
        {
            balance.Waiting.Add(change);
            lead = !balance.Writing;
            balance.Writing = true;
        }
        if (lead)
        {
            _ = WriteAsync(key, balance);
        }
        return change.Done.Task;
    }

    private async Task WriteAsync((string User, string Type) key, Balance balance)
    {
        while (true)
        {
            List<Change> batch;
            lock (balance)
            {
                if (balance.Waiting.Count == 0)
                {
                    balance.Writing = false;
                    // Forget an idle balance (a request that still holds this object drains it itself).
                    _balances.TryRemove(new KeyValuePair<(string, string), Balance>(key, balance));
                    return;
                }
                batch = balance.Waiting.Take(MaxBatch).ToList();
                balance.Waiting.RemoveRange(0, batch.Count);
            }
            try
            {
                Complete(batch, await ApplyBatchAsync(key, batch));
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                if (batch.Count == 1)
                {
                    batch[0].Done.TrySetException(ex);
                    continue;
                }
                // The batch failed as a whole: each change alone, so one bad change fails alone.
                foreach (var one in batch)
                {
                    try
                    {
                        Complete([one], await ApplyBatchAsync(key, [one]));
                    }
                    catch (Exception alone) when (alone is not OutOfMemoryException)
                    {
                        one.Done.TrySetException(alone);
                    }
                }
            }
        }
    }

    private static void Complete(List<Change> batch, List<(Guid? Id, long Balance, bool Replayed, string? Refused)> results)
    {
        for (var i = 0; i < batch.Count; i++)
        {
            var (id, after, replayed, refused) = results[i];
            if (refused is not null || id is null)
            {
                batch[i].Done.TrySetException(new InsufficientCreditsException());
            }
            else
            {
                batch[i].Done.TrySetResult(new CreditChange(id.Value, after, replayed));
            }
        }
    }

    private async Task<List<(Guid?, long, bool, string?)>> ApplyBatchAsync((string User, string Type) key, List<Change> batch)
    {
        await using var cmd = db.CreateCommand(
            "SELECT transaction_id, new_balance, replayed, refused FROM credits_apply_many($1, $2, $3, $4, $5, $6, $7, $8)");
        cmd.Parameters.Add(new() { Value = key.User });
        cmd.Parameters.Add(new() { Value = key.Type });
        cmd.Parameters.Add(new() { Value = batch.Select(c => c.Kind).ToArray() });
        cmd.Parameters.Add(new() { Value = batch.Select(c => c.Amount).ToArray() });
        cmd.Parameters.Add(new() { Value = batch.Select(c => c.Reference).ToArray(), NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = batch.Select(c => c.Description).ToArray(), NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text });
        cmd.Parameters.Add(new() { Value = batch.Select(c => c.Actor).ToArray() });
        cmd.Parameters.Add(new() { Value = batch.Select(c => c.Now).ToArray() });
        var results = new List<(Guid?, long, bool, string?)>(batch.Count);
        await using var r = await cmd.ExecuteReaderAsync(CancellationToken.None);
        while (await r.ReadAsync(CancellationToken.None))
        {
            results.Add((r.IsDBNull(0) ? null : r.GetGuid(0), r.GetInt64(1), r.GetBoolean(2), r.IsDBNull(3) ? null : r.GetString(3)));
        }
        return results.Count == batch.Count ? results : throw new InvalidOperationException("credits_apply_many answered a different number of changes");
    }
}
