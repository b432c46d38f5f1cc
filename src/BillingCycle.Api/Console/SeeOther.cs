namespace BillingCycle.Api.Console;

/// <summary>
/// 303 See Other: after a POST the browser GETs the page that shows the result, so a reload
/// never repeats the action. Only local paths (the console's own) are ever given to it.
/// </summary>
public sealed class SeeOther(string localPath) : IResult
{
    public string Location { get; } = localPath.StartsWith('/') && !localPath.StartsWith("//", StringComparison.Ordinal)
        ? localPath
        : throw new ArgumentException("only local paths", nameof(localPath));

    public Task ExecuteAsync(HttpContext httpContext)
    {
        httpContext.Response.StatusCode = StatusCodes.Status303SeeOther;
        httpContext.Response.Headers.Location = Location;
        return Task.CompletedTask;
    }
}
