using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using MimeKit;
using SmtpServer;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace BillingCycle.TestSupport;

/// <summary>A message the test SMTP server accepted, parsed back with MimeKit.</summary>
public sealed record ReceivedEmail(string MessageId, string To, string Subject, string Html, string Text, MimeMessage Message);

/// <summary>
/// A real SMTP server on a loopback port (the SmtpServer library) for tests: it accepts, or
/// refuses with the code <see cref="Refuse"/> returns (451, 550...), every message, and keeps
/// what it accepted. It can be stopped and started again on the same port (an outage).
/// </summary>
public sealed class SmtpTestServer : IAsyncDisposable
{
    private readonly ConcurrentQueue<ReceivedEmail> _received = new();
    private CancellationTokenSource? _stop;
    private Task? _running;
    private int _refused;

    private SmtpTestServer(int port) => Port = port;

    public int Port { get; }

    public string Url => Credentials is { } c
        ? $"smtp://{Uri.EscapeDataString(c.User)}:{Uri.EscapeDataString(c.Password)}@127.0.0.1:{Port}"
        : $"smtp://127.0.0.1:{Port}";

    public IReadOnlyCollection<ReceivedEmail> Received => _received;

    /// <summary>
    /// False: keep only each accepted message's Message-ID and how often it came (a simulated year
    /// sends tens of thousands; their bodies would fill the memory). <see cref="Received"/> stays empty.
    /// </summary>
    public bool KeepMessages { get; init; } = true;

    private readonly ConcurrentDictionary<string, int> _ids = new(StringComparer.Ordinal);

    /// <summary>Accepted messages by Message-ID, with how many times each came (at least once: a crash may send one twice).</summary>
    public IReadOnlyDictionary<string, int> MessageIds => _ids;

    private int _accepted;

    /// <summary>Messages accepted, repeats included.</summary>
    public int Accepted => _accepted;

    public int RefusedCount => _refused;

    /// <summary>Decides each message: null accepts it, a number refuses it with that SMTP reply code.</summary>
    public Func<MimeMessage, int?> Refuse { get; set; } = _ => null;

    /// <summary>When set, the server requires AUTH with exactly these credentials (over plain text: loopback only).</summary>
    public (string User, string Password)? Credentials { get; init; }

    /// <summary>Time each message takes to be accepted (a slow server, to keep sends in flight).</summary>
    public TimeSpan Delay { get; set; } = TimeSpan.Zero;

    public static async Task<SmtpTestServer> StartAsync(bool running = true, (string User, string Password)? credentials = null, bool keepMessages = true)
    {
        var server = new SmtpTestServer(DedicatedPostgres.FreePort()) { Credentials = credentials, KeepMessages = keepMessages };
        if (running)
        {
            await server.StartAgainAsync();
        }
        return server;
    }

    public async Task StartAgainAsync()
    {
        var options = new SmtpServerOptionsBuilder()
            .ServerName("smtp.billing.test")
            .Endpoint(b => b.Endpoint(new IPEndPoint(IPAddress.Loopback, Port))
                .AuthenticationRequired(Credentials is not null).AllowUnsecureAuthentication(Credentials is not null))
            .Build();
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(new Store(this));
        if (Credentials is { } c)
        {
            services.Add(new SmtpServer.Authentication.DelegatingUserAuthenticator((user, password) => user == c.User && password == c.Password));
        }
        var server = new SmtpServer.SmtpServer(options, services);
        _stop = new CancellationTokenSource();
        _running = server.StartAsync(_stop.Token);
        // Listening once a client can connect.
        for (var i = 0; i < 100; i++)
        {
            try
            {
                using var probe = new System.Net.Sockets.TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (System.Net.Sockets.SocketException)
            {
                await Task.Delay(20);
            }
        }
        throw new InvalidOperationException("the test SMTP server did not start");
    }

    public async Task StopAsync()
    {
        if (_stop is null)
        {
            return;
        }
        await _stop.CancelAsync();
        try
        {
            await _running!;
        }
        catch (OperationCanceledException)
        {
        }
        _stop.Dispose();
        _stop = null;
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private sealed class Store(SmtpTestServer owner) : MessageStore
    {
        public override async Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction,
            ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            using var stream = new MemoryStream(buffer.ToArray());
            var message = await MimeMessage.LoadAsync(stream, cancellationToken);
            if (owner.Delay > TimeSpan.Zero)
            {
                await Task.Delay(owner.Delay, cancellationToken);
            }
            if (owner.Refuse(message) is { } code)
            {
                Interlocked.Increment(ref owner._refused);
                return new SmtpResponse((SmtpReplyCode)code, code >= 500 ? "5.1.1 Mailbox unavailable" : "4.3.0 Try again later");
            }
            Interlocked.Increment(ref owner._accepted);
            owner._ids.AddOrUpdate(message.MessageId ?? "", 1, (_, n) => n + 1);
            if (!owner.KeepMessages)
            {
                return SmtpResponse.Ok;
            }
            owner._received.Enqueue(new ReceivedEmail(message.MessageId ?? "", string.Join(",", message.To.Mailboxes.Select(m => m.Address)),
                message.Subject ?? "", message.HtmlBody ?? "", message.TextBody ?? "", message));
            return SmtpResponse.Ok;
        }
    }
}
