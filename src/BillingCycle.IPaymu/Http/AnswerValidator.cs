using System.Net;
using System.Text.Json;

namespace BillingCycle.IPaymu.Http;

/// <summary>
/// Innermost handler of the iPaymu client, inside the resilience pipeline: it reads the whole
/// answer under the attempt's time-out (so a slow-dripping body times out like any other slow
/// answer) and turns a 2xx answer that is not JSON into a 502, so the circuit breaker counts
/// an unreadable gateway as a failing one.
/// </summary>
internal sealed class AnswerValidator : DelegatingHandler
{
    public const string UnreadableHeader = "X-BillingCycle-Unreadable";

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        try
        {
            await response.Content.LoadIntoBufferAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException)
        {
            response.Dispose();
            throw new HttpRequestException(HttpRequestError.ResponseEnded, "iPaymu's answer was cut off", ex);
        }

        if (!response.IsSuccessStatusCode)
        {
            return response;
        }
        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        try
        {
            using var _ = JsonDocument.Parse(bytes);
            return response;
        }
        catch (JsonException)
        {
            var replaced = new HttpResponseMessage(HttpStatusCode.BadGateway)
            {
                RequestMessage = response.RequestMessage,
                Content = new ByteArrayContent(bytes),
            };
            replaced.Headers.TryAddWithoutValidation(UnreadableHeader, "answer is not JSON");
            response.Dispose();
            return replaced;
        }
    }
}
