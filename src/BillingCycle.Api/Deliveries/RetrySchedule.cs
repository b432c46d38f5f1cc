namespace BillingCycle.Api.Deliveries;

public enum DeliveryChannel
{
    Email,
    Webhook,
}

/// <summary>When a failed delivery is tried again (contract §8.2, §8.4), by how many tries it has had.</summary>
public static class RetrySchedule
{
    /// <summary>Email: after 1 min, 5 min, 30 min, 2 h, 6 h; then dead.</summary>
    public static readonly IReadOnlyList<TimeSpan> Email =
    [
        TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30), TimeSpan.FromHours(2), TimeSpan.FromHours(6),
    ];

    /// <summary>App webhooks: after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h; then dead.</summary>
    public static readonly IReadOnlyList<TimeSpan> Webhook =
    [
        TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30), TimeSpan.FromHours(2),
        TimeSpan.FromHours(5), TimeSpan.FromHours(10), TimeSpan.FromHours(10),
    ];

    public static IReadOnlyList<TimeSpan> For(DeliveryChannel channel) => channel == DeliveryChannel.Email ? Email : Webhook;

    /// <summary>
    /// The wait before the next try after try number <paramref name="attempts"/> (1 = the first)
    /// failed; null when that was the last one and the delivery is dead.
    /// </summary>
    public static TimeSpan? After(DeliveryChannel channel, int attempts)
    {
        var schedule = For(channel);
        return attempts >= 1 && attempts <= schedule.Count ? schedule[attempts - 1] : null;
    }

    public static string Name(this DeliveryChannel channel) => channel == DeliveryChannel.Email ? "email" : "webhook";

    public static DeliveryChannel Parse(string name) => name == "email" ? DeliveryChannel.Email : DeliveryChannel.Webhook;
}
