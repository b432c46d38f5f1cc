namespace BillingCycle.Api.Health;

/// <summary>
/// `BillingCycle.Api healthcheck`: the container's HEALTHCHECK (the runtime image has no curl).
/// Asks this instance's /health/live and exits 0 when it answers 200.
/// </summary>
public static class HealthProbeCommand
{
    public static async Task<int> RunAsync()
    {
        var url = Environment.GetEnvironmentVariable("HEALTHCHECK_URL") ?? "http://127.0.0.1:8080/health/live";
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
        try
        {
            using var res = await http.GetAsync(new Uri(url));
            return res.IsSuccessStatusCode ? 0 : 1;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return 1;
        }
    }
}
