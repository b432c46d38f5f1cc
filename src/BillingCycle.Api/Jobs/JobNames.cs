namespace BillingCycle.Api.Jobs;

public enum BillingJob
{
    Renewal,
    Retry,
    Housekeeping,
}

public enum JobTrigger
{
    Schedule,
    Http,
    CatchUp,
}

/// <summary>The names job_runs stores (contract §3) and the advisory lock key of each job.</summary>
public static class JobNames
{
    public static string Name(this BillingJob job) => job switch
    {
        BillingJob.Renewal => "renewal",
        BillingJob.Retry => "retry",
        _ => "housekeeping",
    };

    public static string Name(this JobTrigger trigger) => trigger switch
    {
        JobTrigger.Http => "http",
        JobTrigger.CatchUp => "catch_up",
        _ => "schedule",
    };

    /// <summary>One PostgreSQL advisory lock per job: at most one run of it anywhere at a time.</summary>
    public static long LockKey(this BillingJob job) => job switch
    {
        BillingJob.Renewal => 0x4243_0001,
        BillingJob.Retry => 0x4243_0002,
        _ => 0x4243_0003,
    };

    public static readonly IReadOnlyList<BillingJob> All = Enum.GetValues<BillingJob>();
}
