namespace BillingCycle.Api.Jobs;

public static class JobsExtensions
{
    /// <summary>The job runner (one run per job anywhere, recorded in job_runs); features add their job bodies.</summary>
    public static IHostApplicationBuilder AddJobs(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<JobRunStore>();
        builder.Services.AddSingleton<JobRunner>();
        builder.Services.AddSingleton<ItemErrorIsolation>();
        return builder;
    }
}
