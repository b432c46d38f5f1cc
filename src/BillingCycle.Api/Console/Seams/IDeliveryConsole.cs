namespace BillingCycle.Api.Console.Seams;

/// <summary>One row of the outbox (contract §8.1, table <c>deliveries</c>) as the console shows it.</summary>
public sealed record DeliveryRow(
    Guid Id, string Channel, string Status, int Attempts, string? UserId, string? What,
    string? LastError, DateTimeOffset CreatedAt, DateTimeOffset? NextAttemptAt, DateTimeOffset? SentAt)
{
    /// <summary>The row's place in activity_seq: breaks ties on a frozen clock (a timeline merges on it).</summary>
    public long Seq { get; init; }
}

/// <summary>
/// The console's view of the delivery outbox (folder <c>Deliveries/</c>). The outbox owns
/// its table (Deliveries/ConsoleOutbox); the console only reads through this and asks it to retry.
/// </summary>
public interface IDeliveryConsole
{
    /// <summary>Count of <c>dead</c> deliveries (the Overview's figure), one indexed count.</summary>
    Task<long> DeadCountAsync(CancellationToken ct);

    /// <summary>Dead deliveries and those failing (pending with attempts &gt; 0 and a last_error), newest first, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<DeliveryRow>> FailingAsync(int limit, CancellationToken ct);

    /// <summary>Every delivery of one customer's notifications (email) and events (webhook), for the timeline, newest first.</summary>
    Task<IReadOnlyList<DeliveryRow>> ForUserAsync(string userId, int limit, CancellationToken ct);

    /// <summary>
    /// Puts a <c>dead</c> delivery back in line through the outbox's own code (status pending,
    /// next_attempt_at now, attempts kept, its own log). Done; NotFound; Refused when it is not dead.
    /// </summary>
    Task<ActionOutcome> RetryDeadAsync(Guid deliveryId, OperatorAction action, CancellationToken ct);
}
