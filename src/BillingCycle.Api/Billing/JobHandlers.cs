using BillingCycle.Api.Infrastructure.Http;
using BillingCycle.Api.Jobs;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BillingCycle.Api.Billing;

/// <summary>POST /api/billing/renew, /retry and /housekeeping: run a job now (contract §5, §7.9).</summary>
public static class JobHandlers
{
    public static Task<Results<Ok<JobAnswer>, JsonHttpResult<ApiError>>> Renew(JobRunner runner) => RunAsync(runner, BillingJob.Renewal);

    public static Task<Results<Ok<JobAnswer>, JsonHttpResult<ApiError>>> Retry(JobRunner runner) => RunAsync(runner, BillingJob.Retry);

    public static Task<Results<Ok<JobAnswer>, JsonHttpResult<ApiError>>> Housekeeping(JobRunner runner) => RunAsync(runner, BillingJob.Housekeeping);

    private static async Task<Results<Ok<JobAnswer>, JsonHttpResult<ApiError>>> RunAsync(JobRunner runner, BillingJob job)
    {
        var answer = await runner.TryRunAsync(job, JobTrigger.Http);
        return answer is null
            ? Fail.With(409, $"A {job.Name()} run is already in progress", ErrorCodes.JobAlreadyRunning)
            : TypedResults.Ok(answer);
    }
}
