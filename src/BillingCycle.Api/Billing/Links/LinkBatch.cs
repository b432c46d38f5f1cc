using System.Threading.Channels;

namespace BillingCycle.Api.Billing.Links;

/// <summary>Where <see cref="PaymentLinks"/> hands a link iPaymu made, or a deferral, to be recorded.</summary>
public interface ILinkRecorder
{
    /// <summary>Completes once the link, its notification and its log are committed.</summary>
    ValueTask<LinkOutcome> MadeAsync(PaymentWork work, LinkMade made);

    ValueTask<LinkOutcome> DeferredAsync(PaymentWork work, string reason);
}

/// <summary>
/// Records a page's gateway answers in batches, as group commit does: whatever arrived while one
/// write ran is the next write — one call of billing_attach_sessions (links, notifications, logs)
/// and one of billing_defer_payments — so a page of 500 costs a few dozen commits, not 500. Each
/// caller's task completes when its batch committed. A batch that fails as a whole is written again
/// one attempt at a time, so one bad attempt fails alone (contract §6.3).
/// </summary>
public sealed class LinkBatch : ILinkRecorder
{
    private const int MaxBatch = 250;

    private sealed record Item(PaymentWork Work, LinkMade? Made, string? Reason, TaskCompletionSource<LinkOutcome> Done);

    private readonly Channel<Item> _queue = Channel.CreateUnbounded<Item>(new() { SingleReader = true });
    private readonly PaymentLinkStore _store;
    private readonly Task _writer;

    public LinkBatch(PaymentLinkStore store)
    {
        _store = store;
        _writer = Task.Run(WriteAsync);
    }

    public ValueTask<LinkOutcome> MadeAsync(PaymentWork work, LinkMade made) => Enqueue(new(work, made, null, NewDone()));

    public ValueTask<LinkOutcome> DeferredAsync(PaymentWork work, string reason) => Enqueue(new(work, null, reason, NewDone()));

    /// <summary>No more answers: waits until the writer has finished.</summary>
    public async Task CompleteAsync()
    {
        _queue.Writer.TryComplete();
        await _writer;
    }

    private static TaskCompletionSource<LinkOutcome> NewDone() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ValueTask<LinkOutcome> Enqueue(Item item)
    {
        if (!_queue.Writer.TryWrite(item))
        {
            throw new InvalidOperationException("the page's link batch is already complete");
        }
        return new ValueTask<LinkOutcome>(item.Done.Task);
    }

    private async Task WriteAsync()
    {
        var batch = new List<Item>(MaxBatch);
        while (await _queue.Reader.WaitToReadAsync())
        {
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var item))
            {
                batch.Add(item);
            }
            await WriteBatchAsync(batch);
            batch.Clear();
        }
    }

    private async Task WriteBatchAsync(List<Item> batch)
    {
        var made = batch.Where(b => b.Made is not null).ToList();
        var deferred = batch.Where(b => b.Reason is not null).ToList();
        try
        {
            if (made.Count > 0)
            {
                await _store.AttachManyAsync(made.Select(m => m.Made!).ToList());
            }
            if (deferred.Count > 0)
            {
                await _store.DeferManyAsync(deferred.Select(d => (d.Work.PaymentId, d.Reason!)).ToList());
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // One at a time: an attempt already recorded is left alone by the functions (stale),
            // and each of the others succeeds or fails on its own.
            foreach (var item in batch)
            {
                try
                {
                    item.Done.TrySetResult(await RecordOneAsync(item));
                }
                catch (Exception one) when (one is not OutOfMemoryException)
                {
                    item.Done.TrySetException(one);
                }
            }
            return;
        }
        foreach (var item in batch)
        {
            item.Done.TrySetResult(item.Made is { } m ? new LinkOutcome(LinkStatus.Created, m.Url, m.ExpiresAt) : PaymentLinks.Deferred(item.Reason!));
        }
    }

    private async Task<LinkOutcome> RecordOneAsync(Item item)
    {
        if (item.Made is { } made)
        {
            await _store.AttachAsync(made.PaymentId, made.SessionId, made.Url, made.ExpiresAt, made.Raw);
            return new LinkOutcome(LinkStatus.Created, made.Url, made.ExpiresAt);
        }
        await _store.DeferAsync(item.Work.PaymentId, item.Reason!);
        return PaymentLinks.Deferred(item.Reason!);
    }
}
