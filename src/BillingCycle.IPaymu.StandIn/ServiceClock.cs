using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace BillingCycle.IPaymu.StandIn;

/// <summary>
/// The billing service's clock, for the page: like iPaymu, the stand-in lives in real time,
/// while the service may run on a test clock weeks ahead. Showing both, each with its zone,
/// keeps the page's times from looking wrong during the README's tour.
/// </summary>
public static class ServiceClock
{
    public static async Task<string> DescribeAsync(IHttpClientFactory http, IOptions<StandInOptions> options, CancellationToken ct)
    {
        var o = options.Value;
        if (string.IsNullOrEmpty(o.BillingUrl) || string.IsNullOrEmpty(o.BillingCronSecret))
        {
            return "not known (start the stand-in with STANDIN_BILLING_URL and STANDIN_BILLING_CRON_SECRET, as scripts/run.sh does)";
        }
        try
        {
            using var req = new HttpRequestMessage(HttpMethod.Get, new Uri(new Uri(o.BillingUrl), "/api/billing/test-clock"));
            req.Headers.Authorization = new AuthenticationHeaderValue("Bearer", o.BillingCronSecret);
            using var res = await http.CreateClient("billing-clock").SendAsync(req, ct);
            if (res.StatusCode == HttpStatusCode.NotFound)
            {
                return "real time (no test clock)";
            }
            if (!res.IsSuccessStatusCode)
            {
                return $"not known (the service answered {(int)res.StatusCode})";
            }
            using var doc = JsonDocument.Parse(await res.Content.ReadAsStringAsync(ct));
            var now = doc.RootElement.GetProperty("now").GetDateTimeOffset();
            return now.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture) + " (test clock)";
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException or KeyNotFoundException or FormatException or InvalidOperationException)
        {
            return "not known (the service is not reachable)";
        }
    }
}
