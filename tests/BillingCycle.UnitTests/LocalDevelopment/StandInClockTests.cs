using BillingCycle.TestSupport;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;
using WireMock.Settings;

namespace BillingCycle.UnitTests.LocalDevelopment;

/// <summary>The stand-in's page says what time the billing service's clock shows, with zones.</summary>
public sealed class StandInClockTests : IDisposable
{
    private const string Secret = "local-cron-secret-0123456789abcdef";
    private readonly WireMockServer _service = WireMockServer.Start(new WireMockServerSettings { Urls = ["http://127.0.0.1:0"] });

    public void Dispose() => _service.Stop();

    private async Task<string> PageAsync()
    {
        await using var standIn = await StandInHost.StartAsync(o =>
        {
            o.BillingUrl = _service.Url;
            o.BillingCronSecret = Secret;
        });
        return await standIn.Http.GetStringAsync(new Uri("/", UriKind.Relative));
    }

    [Fact]
    public async Task With_a_test_clock_the_page_shows_the_service_s_time_in_UTC_and_its_own_in_WIB()
    {
        _service.Given(Request.Create().WithPath("/api/billing/test-clock").UsingGet().WithHeader("Authorization", "Bearer " + Secret))
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json")
                .WithBody("""{"now":"2026-11-11T02:00:00+00:00"}"""));

        var page = await PageAsync();

        Assert.Contains("Billing service's clock: <b>2026-11-11 02:00:00 UTC (test clock)</b>", page, StringComparison.Ordinal);
        Assert.Contains("WIB (UTC+7)", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_test_clock_the_page_says_the_service_runs_on_real_time()
    {
        _service.Given(Request.Create().WithPath("/api/billing/test-clock").UsingGet())
            .RespondWith(Response.Create().WithStatusCode(404).WithBody("""{"error":"off","code":"NOT_FOUND"}"""));

        Assert.Contains("Billing service's clock: <b>real time (no test clock)</b>", await PageAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_service_that_is_not_told_or_not_reachable_is_said_so()
    {
        await using var untold = await StandInHost.StartAsync();
        Assert.Contains("Billing service's clock: <b>not known (start the stand-in with STANDIN_BILLING_URL", await untold.Http.GetStringAsync(new Uri("/", UriKind.Relative)), StringComparison.Ordinal);

        _service.Stop();
        Assert.Contains("not known (the service is not reachable)", await PageAsync(), StringComparison.Ordinal);
    }
}
