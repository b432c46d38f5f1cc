using BillingCycle.Api.Deliveries;

namespace BillingCycle.UnitTests.Deliveries;

public sealed class RetryScheduleTests
{
    [Fact]
    public void Email_is_tried_again_after_1_5_30_minutes_2_and_6_hours_then_dead()
    {
        var waits = Enumerable.Range(1, 5).Select(n => RetrySchedule.After(DeliveryChannel.Email, n)!.Value).ToArray();
        Assert.Equal([TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30), TimeSpan.FromHours(2), TimeSpan.FromHours(6)], waits);
        Assert.Null(RetrySchedule.After(DeliveryChannel.Email, 6));
    }

    [Fact]
    public void Webhooks_are_tried_again_after_5_s_5_min_30_min_2_h_5_h_10_h_10_h_then_dead()
    {
        var waits = Enumerable.Range(1, 7).Select(n => RetrySchedule.After(DeliveryChannel.Webhook, n)!.Value).ToArray();
        Assert.Equal([TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30), TimeSpan.FromHours(2),
            TimeSpan.FromHours(5), TimeSpan.FromHours(10), TimeSpan.FromHours(10)], waits);
        Assert.Null(RetrySchedule.After(DeliveryChannel.Webhook, 8));
        Assert.Null(RetrySchedule.After(DeliveryChannel.Webhook, 0));
    }
}
