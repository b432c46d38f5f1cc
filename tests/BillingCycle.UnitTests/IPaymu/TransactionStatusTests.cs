using BillingCycle.IPaymu.Models;

namespace BillingCycle.UnitTests.IPaymu;

/// <summary>contract §10.3: paid is Status 1, 6 or 7 — never PaidStatus alone.</summary>
public sealed class TransactionStatusTests
{
    [Theory]
    [InlineData(1, "paid", true)]
    [InlineData(6, "paid", true)]
    [InlineData(7, "unpaid", true)]
    [InlineData(3, "paid", false)]   // refunded, still saying paid
    [InlineData(2, "paid", false)]   // cancelled, still saying paid
    [InlineData(0, "paid", false)]
    [InlineData(null, "paid", false)]
    [InlineData(-2, "unpaid", false)]
    public void Only_status_1_6_or_7_is_paid(int? status, string paidStatus, bool paid)
    {
        var s = new TransactionStatus("4719", null, "R1", 149_000, 0, status, null, paidStatus, null, null, null, default);

        Assert.Equal(paid, s.IsPaid);
    }
}
