using System.Collections.Concurrent;

namespace BillingCycle.IPaymu.StandIn;

/// <summary>One payment the stand-in knows: a redirect session, and its transaction once there is one.</summary>
public sealed class StandInPayment
{
    public required string SessionId { get; init; }
    public required string ReferenceId { get; init; }
    public required long Amount { get; init; }
    public required string NotifyUrl { get; init; }
    public string? ReturnUrl { get; init; }
    public string BuyerName { get; init; } = "";
    public string BuyerEmail { get; init; } = "";
    public string BuyerPhone { get; init; } = "";
    public string Product { get; init; } = "";
    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset ExpiresAt { get; init; }
    public string Kind { get; init; } = "redirect";
    public string? TransactionId { get; set; }
    /// <summary>iPaymu status code: 0 pending, 1 success, -2 expired, 5 failed, 2 cancelled.</summary>
    public int Status { get; set; }
    public DateTimeOffset? PaidAt { get; set; }
    public long Fee { get; init; }
    public string Via { get; set; } = "va";
    public string Channel { get; set; } = "bca";
}

/// <summary>Fault injection for the API endpoints (not the control endpoints).</summary>
public sealed class StandInFaults
{
    public int LatencyMs { get; set; }
    /// <summary>none, http500, reset, garbage, truncated, slow_drip, rejected, timeout.</summary>
    public string Mode { get; set; } = "none";
    /// <summary>How many more requests get the fault; negative means all.</summary>
    public int Remaining { get; set; } = -1;
    /// <summary>Only requests to this API path prefix get the fault (null: all).</summary>
    public string? PathPrefix { get; set; }
}

/// <summary>A request the stand-in accepted, for tests that count gateway calls.</summary>
public sealed record StandInRequest(string Path, string Body, DateTimeOffset At);

public sealed class StandInState
{
    private long _nextTransaction = 100_000;
    private readonly Lock _faultGate = new();

    /// <summary>The stand-in's time for the payments it creates (a simulation sets its own).</summary>
    public TimeProvider Clock { get; set; } = TimeProvider.System;

    public ConcurrentDictionary<string, StandInPayment> BySession { get; } = new();
    public ConcurrentDictionary<string, StandInPayment> ByTransaction { get; } = new();
    public ConcurrentQueue<StandInRequest> Requests { get; } = new();
    public StandInFaults Faults { get; private set; } = new();

    /// <summary>Called for each accepted API request before it is answered (tests use it to crash a client mid-call).</summary>
    public Action<StandInRequest>? OnRequest { get; set; }

    public string NewTransactionId() => Interlocked.Increment(ref _nextTransaction).ToString(System.Globalization.CultureInfo.InvariantCulture);

    public void SetFaults(StandInFaults faults)
    {
        lock (_faultGate)
        {
            Faults = faults;
        }
    }

    /// <summary>The fault to apply to this request, consuming one of a limited count.</summary>
    public (int LatencyMs, string Mode) TakeFault(string path)
    {
        lock (_faultGate)
        {
            var f = Faults;
            if (f.PathPrefix is not null && !path.StartsWith(f.PathPrefix, StringComparison.Ordinal))
            {
                return (0, "none");
            }
            if (f.Mode == "none" || f.Remaining == 0)
            {
                return (f.LatencyMs, "none");
            }
            if (f.Remaining > 0)
            {
                f.Remaining--;
            }
            return (f.LatencyMs, f.Mode);
        }
    }

    public void AssignTransaction(StandInPayment p)
    {
        if (p.TransactionId is null)
        {
            p.TransactionId = NewTransactionId();
            ByTransaction[p.TransactionId] = p;
            Interlocked.Increment(ref _transactionsAdded);
        }
    }

    private readonly Lock _historyGate = new();
    private long _transactionsAdded;
    private (long Added, int Count, DateOnly? From, DateOnly? To, List<StandInPayment> Items)? _history;

    /// <summary>
    /// For <see cref="StandInOptions.HistoryByDate"/>: the transactions created between the two WIB
    /// dates (inclusive), newest first. A run reads many pages of one window, and sorting every
    /// transaction for each page was the stand-in's largest cost in a long simulation; so the list
    /// is kept until a transaction is added through <see cref="AssignTransaction"/> (or all are
    /// cleared). A test that swaps entries of <see cref="ByTransaction"/> by hand reads history
    /// without this option, sorted afresh each time.
    /// </summary>
    public List<StandInPayment> History(DateOnly? from, DateOnly? to)
    {
        lock (_historyGate)
        {
            var (added, count) = (Interlocked.Read(ref _transactionsAdded), ByTransaction.Count);
            if (_history is { } h && h.Added == added && h.Count == count && h.From == from && h.To == to)
            {
                return h.Items;
            }
            var wib = TimeSpan.FromHours(7);
            var items = ByTransaction.Values
                .Where(p => (from is null || DateOnly.FromDateTime(p.CreatedAt.ToOffset(wib).DateTime) >= from)
                            && (to is null || DateOnly.FromDateTime(p.CreatedAt.ToOffset(wib).DateTime) <= to))
                .OrderByDescending(p => p.CreatedAt).ThenByDescending(p => p.TransactionId).ToList();
            _history = (added, count, from, to, items);
            return items;
        }
    }
}
