using System.Collections.Concurrent;
using System.Net.Sockets;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using BillingCycle.Api.Infrastructure.Time;

namespace BillingCycle.Api.Deliveries.Email;

/// <summary>
/// Sends a notification's email through SMTP with MailKit (contract §8.2). The Message-ID is made
/// from the delivery id, so every try of one delivery carries the same one and a receiver (or a
/// person) can tell a resend from a second email. 5xx is a permanent refusal; 4xx, a dropped
/// connection or a time-out is temporary.
/// </summary>
public sealed class EmailSender(EmailOptions options, EmailRenderer renderer, CustomerTime zone)
{
    /// <summary>SMTP commands wait at most this long (a transport concern: real time).</summary>
    public static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(30);

    public EmailOptions Options => options;

    /// <summary>A set of SMTP connections for one pass of the worker, reused by its lanes and closed at the end.</summary>
    public SmtpSession OpenSession() => new(options.Smtp!);

    public static string MessageId(Guid deliveryId, MailboxAddress from) =>
        $"delivery-{deliveryId:N}@{from.Domain}";

    public MimeMessage Compose(DeliveryItem d, EmailItem n, string to)
    {
        var model = EmailModel.From(n, options.Locale, options.AppUrl, null, zone) with
        {
            SellerName = options.SellerName,
            SupportEmail = options.SupportEmail,
        };
        var email = renderer.Render(n.Type, options.Locale, model);
        var message = new MimeMessage();
        message.From.Add(options.From!);
        message.To.Add(new MailboxAddress(n.FullName?.Trim() ?? "", to));
        message.Subject = email.Subject;
        message.MessageId = MessageId(d.Id, options.From!);
        message.Date = DateTimeOffset.UtcNow;
        // RFC 3834: tells auto-responders not to answer a machine's message.
        message.Headers.Add("Auto-Submitted", "auto-generated");
        message.Body = new BodyBuilder { HtmlBody = email.Html, TextBody = email.Text }.ToMessageBody();
        return message;
    }

    public async Task<SendResult> SendAsync(SmtpSession session, DeliveryItem d, EmailItem n)
    {
        if (string.IsNullOrWhiteSpace(n.Email))
        {
            return SendResult.Skipped("the user has no email address");
        }
        if (!MailboxAddress.TryParse(n.Email.Trim(), out var parsed) || !parsed.Address.Contains('@', StringComparison.Ordinal))
        {
            return SendResult.Refused("the user's email address cannot be mailed");
        }
        var message = Compose(d, n, parsed.Address);
        return await session.SendAsync(message);
    }
}

/// <summary>Pooled SMTP connections for one pass; a connection that failed in any way is closed, never reused.</summary>
public sealed class SmtpSession(SmtpEndpoint endpoint) : IAsyncDisposable
{
    private readonly ConcurrentBag<SmtpClient> _idle = [];

    public async Task<SendResult> SendAsync(MimeMessage message)
    {
        SmtpClient? client = null;
        try
        {
            client = await TakeAsync();
            await client.SendAsync(message);
            _idle.Add(client);
            client = null;
            return SendResult.Sent;
        }
        catch (SmtpCommandException ex) when ((int)ex.StatusCode >= 500)
        {
            return SendResult.Refused($"SMTP {(int)ex.StatusCode}: {ex.Message}");
        }
        catch (SmtpCommandException ex)
        {
            return SendResult.Failed($"SMTP {(int)ex.StatusCode}: {ex.Message}");
        }
        catch (Exception ex) when (ex is SmtpProtocolException or IOException or SocketException or TimeoutException
                                       or OperationCanceledException or AuthenticationException or SslHandshakeException
                                       or ServiceNotConnectedException or ServiceNotAuthenticatedException or ProtocolException
                                       // Credentials given but the server offers no AUTH (often: STARTTLS needed first).
                                       or NotSupportedException)
        {
            return SendResult.Failed($"{ex.GetType().Name}: {ex.Message}");
        }
        finally
        {
            if (client is not null)
            {
                await CloseAsync(client);
            }
        }
    }

    private async Task<SmtpClient> TakeAsync()
    {
        while (_idle.TryTake(out var pooled))
        {
            if (pooled.IsConnected)
            {
                return pooled;
            }
            pooled.Dispose();
        }
        var client = new SmtpClient { Timeout = (int)EmailSender.CommandTimeout.TotalMilliseconds };
        try
        {
            using var connect = new CancellationTokenSource(EmailSender.CommandTimeout);
            await client.ConnectAsync(endpoint.Host, endpoint.Port, endpoint.Security, connect.Token);
            if (endpoint.User is not null)
            {
                await client.AuthenticateAsync(endpoint.User, endpoint.Password ?? "", connect.Token);
            }
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    private static async Task CloseAsync(SmtpClient client)
    {
        try
        {
            if (client.IsConnected)
            {
                using var quit = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await client.DisconnectAsync(true, quit.Token);
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or SmtpProtocolException or SmtpCommandException)
        {
            // The connection is going away either way.
        }
        client.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        while (_idle.TryTake(out var client))
        {
            await CloseAsync(client);
        }
    }
}
