using System.Net;
using System.Net.Sockets;

namespace BillingCycle.ProcessTests;

/// <summary>
/// One address in front of several API instances, as a TCP load balancer is: each new connection
/// goes to the next instance that accepts it (one being stopped or restarted refuses, so the next
/// is tried); a connection stays with its instance until either side closes it.
/// </summary>
public sealed class RoundRobinProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly int[] _ports;
    private readonly Task _accepting;
    private int _next;

    public RoundRobinProxy(params int[] ports)
    {
        _ports = ports;
        _listener.Start();
        BaseUrl = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");
        _accepting = AcceptAsync();
    }

    public Uri BaseUrl { get; }

    /// <summary>Connections no instance accepted (every one down at that moment).</summary>
    public int Refused => _refused;

    private int _refused;

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            TcpClient? backend = null;
            for (var i = 0; i < _ports.Length && backend is null; i++)
            {
                var port = _ports[(int)((uint)Interlocked.Increment(ref _next) % (uint)_ports.Length)];
                var candidate = new TcpClient();
                try
                {
                    await candidate.ConnectAsync(IPAddress.Loopback, port);
                    backend = candidate;
                }
                catch (SocketException)
                {
                    candidate.Dispose();
                }
            }
            if (backend is null)
            {
                Interlocked.Increment(ref _refused);
                return; // the caller sees its connection closed, as behind a balancer with no healthy target
            }
            using (backend)
            {
                var up = PipeAsync(client.GetStream(), backend.GetStream());
                var down = PipeAsync(backend.GetStream(), client.GetStream());
                await Task.WhenAny(up, down);
            }
        }
    }

    private static async Task PipeAsync(Stream from, Stream to)
    {
        try
        {
            await from.CopyToAsync(to);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or SocketException)
        {
            // Either side went away: the other is closed with it.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}
