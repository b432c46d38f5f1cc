using BillingCycle.IPaymu;
using Microsoft.Extensions.DependencyInjection;

namespace BillingCycle.UnitTests.IPaymu;

/// <summary>A real IPaymuClient (HttpClientFactory + resilience pipeline) pointed at a test server.</summary>
internal static class ClientFactory
{
    public static (IPaymuClient Client, ServiceProvider Provider) Create(Uri baseUrl, Action<IPaymuOptions>? tweak = null,
        string va = "1179000899", string apiKey = "QbGcoO0Qds9sQFDmY0MWg1Tq.xtuh1")
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddIPaymuClient(o =>
        {
            o.Va = va;
            o.ApiKey = apiKey;
            o.BaseUrl = baseUrl;
            o.AttemptTimeout = TimeSpan.FromSeconds(2);
            o.TotalTimeout = TimeSpan.FromSeconds(10);
            o.MaxRetries = 2;
            o.RetryBaseDelay = TimeSpan.FromMilliseconds(10);
            o.BreakerMinimumThroughput = 100; // effectively off unless a test turns it on
            tweak?.Invoke(o);
        });
        var provider = services.BuildServiceProvider();
        return (provider.GetRequiredService<IPaymuClient>(), provider);
    }
}
