namespace BillingCycle.Api.Scheduling;

public static class SchedulingExtensions
{
    public static IHostApplicationBuilder AddScheduling(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton(SchedulerOptions.FromConfiguration(builder.Configuration));
        builder.Services.AddSingleton<BillingScheduler>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<BillingScheduler>());
        // Shutdown waits for the subscription in hand (a gateway call is bounded by its time-out).
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(45));
        return builder;
    }
}
