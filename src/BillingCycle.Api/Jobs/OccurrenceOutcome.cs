namespace BillingCycle.Api.Jobs;

/// <summary>What became of one occurrence of a job's schedule (contract §7.9).</summary>
public abstract record OccurrenceOutcome
{
    private OccurrenceOutcome()
    {
    }

    /// <summary>This instance ran it, once the job's lock was free.</summary>
    public sealed record Ran(JobAnswer Answer) : OccurrenceOutcome;

    /// <summary>A live run recorded in job_runs covers it (it started at or after the occurrence).</summary>
    public sealed record Covered : OccurrenceOutcome;

    /// <summary>The host stopped before the lock was free; the occurrence is left to the next start's catch-up or the other instance.</summary>
    public sealed record Stopped : OccurrenceOutcome;
}
