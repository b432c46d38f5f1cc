namespace BillingCycle.Api.Settlement;

public static class SettlementExtensions
{
    /// <summary>The life of a payment attempt after it is created: confirm, apply, reconcile.</summary>
    public static IHostApplicationBuilder AddSettlement(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton(SettlementOptions.FromConfiguration(builder.Configuration));
        builder.Services.AddSingleton<AttemptStore>();
        builder.Services.AddSingleton<ManualSettlementStore>();
        builder.Services.AddSingleton<AttemptSettler>();
        builder.Services.AddSingleton<TransactionConfirmation>();
        builder.Services.AddSingleton<LatePaymentSweep>();
        builder.Services.AddSingleton<Reconciler>();
        return builder;
    }
}
