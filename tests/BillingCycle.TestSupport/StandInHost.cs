using System.Net.Http.Json;
using BillingCycle.IPaymu.StandIn;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace BillingCycle.TestSupport;

/// <summary>The iPaymu stand-in on a real loopback port, for tests that talk HTTP to it.</summary>
public sealed class StandInHost : IAsyncDisposable
{
    public const string Va = "1179000899";
    public const string ApiKey = "QbGcoO0Qds9sQFDmY0MWg1Tq.xtuh1";

    private readonly WebApplication _app;

    private StandInHost(WebApplication app, Uri baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
        Http = new HttpClient { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(30) };
    }

    public Uri BaseUrl { get; }
    public HttpClient Http { get; }
    public StandInState State => _app.Services.GetRequiredService<StandInState>();
    public CallbackSender Callbacks => _app.Services.GetRequiredService<CallbackSender>();

    public static async Task<StandInHost> StartAsync(Action<StandInOptions>? configure = null)
    {
        var app = StandInApp.Build(["--urls", "http://127.0.0.1:0"], o =>
        {
            o.Va = Va;
            o.ApiKey = ApiKey;
            configure?.Invoke(o);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new StandInHost(app, new Uri(address));
    }

    public int RequestCount(string path) => State.Requests.Count(r => r.Path == path);

    public StandInPayment? ByReference(string referenceId) =>
        State.BySession.Values.Where(p => p.ReferenceId == referenceId).OrderByDescending(p => p.CreatedAt).FirstOrDefault();

    /// <summary>Marks the payment with this reference (pay, expire, fail...) without delivering the callback.</summary>
    public SignedCallback Act(string referenceId, string action)
    {
        var p = ByReference(referenceId) ?? throw new InvalidOperationException($"no stand-in payment for {referenceId}");
        lock (p)
        {
            State.AssignTransaction(p);
            p.Status = action switch { "pay" => 1, "expire" => -2, "fail" => 5, "cancel" => 2, "pending" => 0, _ => p.Status };
            if (p.Status == 1)
            {
                p.PaidAt ??= DateTimeOffset.UtcNow;
            }
        }
        return Callbacks.Build(p);
    }

    public Task SetFaultsAsync(StandInFaults faults)
    {
        State.SetFaults(faults);
        return Task.CompletedTask;
    }

    public async Task<HttpResponseMessage> PostControlAsync(string path, object? body = null) =>
        await Http.PostAsJsonAsync(path, body ?? new { });

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
