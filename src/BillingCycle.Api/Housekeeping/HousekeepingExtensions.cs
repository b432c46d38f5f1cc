using BillingCycle.Api.Jobs;

namespace BillingCycle.Api.Housekeeping;

public static class HousekeepingExtensions
{
    /// <summary>The housekeeping job; it runs on the job runner like renewal and retry.</summary>
    public static IHostApplicationBuilder AddHousekeeping(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton(HousekeepingOptions.FromConfiguration(builder.Configuration));
        builder.Services.AddSingleton<IBillingJobBody, HousekeepingJob>();
        return builder;
    }
}
