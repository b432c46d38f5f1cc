using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace BillingCycle.TestSupport;

/// <summary>One request the receiver got: its headers (lower-case names) and body as sent.</summary>
public sealed record ReceivedRequest(string Path, IReadOnlyDictionary<string, string> Headers, string Body, DateTimeOffset At);

/// <summary>
/// A real HTTP server on a loopback port that records every POST and answers with the status
/// <see cref="Answer"/> picks: the web app's webhook endpoint, or a monitoring endpoint for alerts.
/// </summary>
public sealed class HttpTestReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedRequest> _requests = new();

    private HttpTestReceiver(WebApplication app) => _app = app;

    public Uri BaseUrl { get; private set; } = null!;

    public IReadOnlyCollection<ReceivedRequest> Requests => _requests;

    /// <summary>The status to answer a request with (default 200).</summary>
    public Func<ReceivedRequest, int> Answer { get; set; } = _ => 200;

    public static async Task<HttpTestReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new HttpTestReceiver(app);
        app.MapPost("/{**path}", async (HttpContext ctx) =>
        {
            using var reader = new StreamReader(ctx.Request.Body);
            var body = await reader.ReadToEndAsync();
            var headers = ctx.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString(), StringComparer.Ordinal);
            var request = new ReceivedRequest(ctx.Request.Path, headers, body, DateTimeOffset.UtcNow);
            receiver._requests.Enqueue(request);
            ctx.Response.StatusCode = receiver.Answer(request);
        });
        await app.StartAsync();
        receiver.BaseUrl = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
