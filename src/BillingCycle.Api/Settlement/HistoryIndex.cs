using System.Collections.Concurrent;
using System.Globalization;
using BillingCycle.IPaymu;
using BillingCycle.IPaymu.Models;

namespace BillingCycle.Api.Settlement;

/// <summary>
/// iPaymu's history, read once per run and only when needed: transactions indexed by our
/// reference and session id, and the paid ones kept for the late-payment sweep.
/// </summary>
public sealed class HistoryIndex(IPaymuClient ipaymu, int maxPages, DateTimeOffset now)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile ConcurrentDictionary<string, string>? _byKey; // published after Complete is set
    private string? _failure;
    private readonly ConcurrentBag<HistoryItem> _paid = [];

    /// <summary>True once the whole history window was read (the last page was reached within the page limit).</summary>
    public bool Complete { get; private set; }

    public async Task<string?> FindAsync(PaymentAttempt payment)
    {
        var index = await LoadAsync(payment.CreatedAt);
        return (payment.ReferenceId is { } r && index.TryGetValue("r:" + r, out var t1)) ? t1
            : (payment.SessionId is { } s && index.TryGetValue("s:" + s, out var t2)) ? t2
            : null;
    }

    /// <summary>The paid transactions in the history window (loading it around now if no attempt did).</summary>
    public async Task<IReadOnlyCollection<HistoryItem>> PaidAsync()
    {
        await LoadAsync(now);
        return _paid;
    }

    private async Task<ConcurrentDictionary<string, string>> LoadAsync(DateTimeOffset around)
    {
        if (_byKey is { } ready)
        {
            return ready;
        }
        await _gate.WaitAsync();
        try
        {
            if (_byKey is { } again)
            {
                return again;
            }
            if (_failure is not null)
            {
                // One failed load per run is enough: do not ask a failing iPaymu once per attempt.
                throw new IPaymuUnavailableException(_failure);
            }
            var index = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
            var wib = TimeSpan.FromHours(7);
            var query = new HistoryQuery
            {
                Startdate = around.ToOffset(wib).AddDays(-40).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                Enddate = around.ToOffset(wib).AddDays(40).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                Limit = 20,
                Order = "DESC",
            };
            for (var page = 1; page <= maxPages; page++)
            {
                HistoryPage result;
                try
                {
                    result = await ipaymu.GetHistoryAsync(query with { Page = page }, CancellationToken.None);
                }
                catch (IPaymuException ex)
                {
                    _failure = "history unavailable: " + ex.Message;
                    throw;
                }
                foreach (var item in result.Items.Where(i => i.TransactionId is not null))
                {
                    if (item.StatusCode is 1 or 6 or 7)
                    {
                        _paid.Add(item);
                    }
                    if (item.ReferenceId is { Length: > 0 } r)
                    {
                        index.TryAdd("r:" + r, item.TransactionId!);
                    }
                    if (item.SessionId is { Length: > 0 } s)
                    {
                        index.TryAdd("s:" + s, item.TransactionId!);
                    }
                }
                if (result.Items.Count < query.Limit || (result.TotalPages is { } total && page >= total))
                {
                    Complete = true;
                    break;
                }
            }
            return _byKey = index;
        }
        finally
        {
            _gate.Release();
        }
    }
}

