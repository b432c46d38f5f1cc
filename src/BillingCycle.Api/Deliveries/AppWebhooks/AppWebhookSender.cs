using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using StandardWebhooks;

namespace BillingCycle.Api.Deliveries.AppWebhooks;

/// <summary>
/// Posts an event to the web app (contract §8.4): body {type, timestamp, data}, signed with the
/// Standard Webhooks library (webhook-id = the event id on every try, webhook-timestamp = now in
/// real time, webhook-signature = v1,base64(HMAC-SHA256(id.timestamp.body))). The timestamp is
/// the moment of sending, not the billing clock: receivers reject signatures older than a few
/// minutes by their own clock. 2xx is delivered; anything else, or 10 s without an answer, is a
/// temporary failure.
/// </summary>
public sealed class AppWebhookSender(AppWebhookOptions options, IHttpClientFactory http)
{
    public const string HttpClientName = "app-webhooks";

    private readonly StandardWebhook? _signer = options.Secret is { } s ? new StandardWebhook(s) : null;

    public static string Body(EventItem e)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("type", e.Type);
            w.WriteString("timestamp", e.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
            w.WritePropertyName("data");
            w.WriteRawValue(e.Data, skipInputValidation: false);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    public async Task<SendResult> SendAsync(EventItem e)
    {
        var body = Body(e);
        var id = e.EventId.ToString();
        var timestamp = DateTimeOffset.UtcNow;
        using var request = new HttpRequestMessage(HttpMethod.Post, options.Url)
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("webhook-id", id);
        request.Headers.Add("webhook-timestamp", timestamp.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
        request.Headers.Add("webhook-signature", _signer!.Sign(id, timestamp, body));
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("BillingCycle-Webhooks", "1"));
        try
        {
            using var timeout = new CancellationTokenSource(AppWebhookOptions.Timeout);
            using var response = await http.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var status = (int)response.StatusCode;
            return status is >= 200 and < 300 ? SendResult.Sent : SendResult.Failed($"HTTP {status}");
        }
        catch (OperationCanceledException)
        {
            return SendResult.Failed($"no answer within {AppWebhookOptions.Timeout.TotalSeconds:0} s");
        }
        catch (HttpRequestException ex)
        {
            return SendResult.Failed($"HttpRequestException: {ex.HttpRequestError}");
        }
    }
}
