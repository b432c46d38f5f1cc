namespace BillingCycle.Api.PayPage;

/// <summary>
/// 303 See Other to the iPaymu payment page (contract §7.6): the browser follows with a GET, and a
/// reload of the page it lands on never posts "pay" again. Only http(s) URLs iPaymu gave us.
/// </summary>
public sealed class RedirectToGateway(string url) : IResult
{
    public string Location { get; } = Uri.TryCreate(url, UriKind.Absolute, out var u) && (u.Scheme == Uri.UriSchemeHttps || u.Scheme == Uri.UriSchemeHttp)
        ? u.ToString()
        : throw new ArgumentException("an absolute http(s) URL", nameof(url));

    public Task ExecuteAsync(HttpContext httpContext)
    {
        httpContext.Response.StatusCode = StatusCodes.Status303SeeOther;
        httpContext.Response.Headers.Location = Location;
        return Task.CompletedTask;
    }
}
