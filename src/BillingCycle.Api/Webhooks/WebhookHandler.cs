using BillingCycle.Api.Infrastructure.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BillingCycle.Api.Webhooks;

public sealed record WebhookAnswer(bool Received);

/// <summary>What the webhook handler needs, bundled.</summary>
public sealed record WebhookServices(HttpRequest Request, CallbackProcessor Processor, CancellationToken Cancellation);

/// <summary>
/// POST /api/billing/webhook — reads the body, hands it to the <see cref="CallbackProcessor"/>, and
/// turns its result into the answer for iPaymu: 200 stops resending; 503 asks for a resend.
/// </summary>
public static class WebhookHandler
{
    public static async Task<Results<Ok<WebhookAnswer>, JsonHttpResult<ApiError>>> Receive([AsParameters] WebhookServices s)
    {
        if (await BoundedBody.ReadAsync(s.Request, s.Cancellation) is not { } bytes)
        {
            return Fail.With(413, "Callback body too large", ErrorCodes.PayloadTooLarge);
        }
        var result = await s.Processor.ProcessAsync(bytes, s.Request.ContentType,
            s.Request.Headers["X-Signature"].ToString(), RateLimits.ClientAddress(s.Request.HttpContext), s.Cancellation);
        return result?.Answer switch
        {
            null => Fail.With(503, "Callback could not be stored; please resend", ErrorCodes.ServiceUnavailable),
            CallbackAnswer.Received => TypedResults.Ok(new WebhookAnswer(true)),
            CallbackAnswer.InvalidSignature => Fail.With(401, "Invalid callback signature", ErrorCodes.InvalidSignature),
            CallbackAnswer.Unusable => Fail.With(400, "Callback could not be understood", ErrorCodes.InvalidCallback),
            CallbackAnswer.TooMany => TooMany(s.Request.HttpContext),
            _ => Fail.With(503, "Callback could not be processed now; please resend", ErrorCodes.ServiceUnavailable),
        };
    }

    private static JsonHttpResult<ApiError> TooMany(HttpContext http)
    {
        http.Response.Headers.RetryAfter = "60";
        return Fail.With(429, "Too many unsigned or badly signed callbacks from this address; try again in a minute", ErrorCodes.RateLimited);
    }
}
