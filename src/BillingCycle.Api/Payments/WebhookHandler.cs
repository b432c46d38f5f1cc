using System.Text;
using System.Text.Json;
using BillingCycle.Api.Billing;
using BillingCycle.Api.Infrastructure.Alerts;
using BillingCycle.Api.Infrastructure.Http;
using BillingCycle.Api.Infrastructure.Observability;
using BillingCycle.IPaymu;
using BillingCycle.IPaymu.Callbacks;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Npgsql;

namespace BillingCycle.Api.Payments;

public sealed record WebhookAnswer(bool Received);

/// <summary>
/// POST /api/billing/webhook — iPaymu's payment callback (SPEC §5, §6.6). Stored first; then the
/// signature; then iPaymu's own check-transaction answer decides. 200 tells iPaymu to stop
/// resending (applied, duplicate or deliberately ignored); 503 asks it to resend.
/// </summary>
public static partial class WebhookHandler
{
    public static async Task<Results<Ok<WebhookAnswer>, JsonHttpResult<ApiError>>> Receive(
        HttpRequest request, WebhookStore events, BillingStore billing, PaymentOutcomes outcomes, IPaymuClient ipaymu,
        IOptions<IPaymuOptions> ipaymuOptions, BillingOptions options, AlertSender alerts, ILoggerFactory loggers,
        CancellationToken ct)
    {
        var logger = loggers.CreateLogger("BillingCycle.Api.Payments.Webhook");
        var body = await ReadBodyAsync(request, ct);
        if (body is null)
        {
            return Fail.With(413, "Callback body too large", ErrorCodes.PayloadTooLarge);
        }
        var callback = IPaymuCallback.Parse(body, request.ContentType);
        Guid eventId;
        try
        {
            eventId = await events.InsertAsync(callback?.TrxId, callback?.ReferenceId, callback?.StatusCode, request.ContentType,
                callback?.ToJson() ?? JsonSerializer.Serialize(new { unparsable = SafeText.Clean(body.Length > 4000 ? body[..4000] : body) }), ct);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            LogNotStored(logger, ex.GetType().Name);
            return Fail.With(503, "Callback could not be stored; please resend", ErrorCodes.ServiceUnavailable);
        }

        var (status, outcome, signatureValid) = await ProcessAsync(callback, request, billing, outcomes, ipaymu,
            ipaymuOptions.Value, options, alerts, logger);
        try
        {
            await events.SetOutcomeAsync(eventId, signatureValid, outcome);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            // The event is stored; only its outcome is missing. iPaymu resends on 503.
            return Fail.With(503, "Callback outcome could not be stored; please resend", ErrorCodes.ServiceUnavailable);
        }
        BillingMetrics.WebhookEvents.Add(1, new KeyValuePair<string, object?>("outcome", outcome.Split(':')[0]));

        return status switch
        {
            200 => TypedResults.Ok(new WebhookAnswer(true)),
            401 => Fail.With(401, "Invalid callback signature", ErrorCodes.InvalidSignature),
            400 => Fail.With(400, "Callback could not be understood", ErrorCodes.InvalidCallback),
            _ => Fail.With(503, "Callback could not be processed now; please resend", ErrorCodes.ServiceUnavailable),
        };
    }

    private static async Task<(int Status, string Outcome, bool? SignatureValid)> ProcessAsync(
        IPaymuCallback? callback, HttpRequest request, BillingStore billing, PaymentOutcomes outcomes, IPaymuClient ipaymu,
        IPaymuOptions ipaymuOptions, BillingOptions options, AlertSender alerts, ILogger logger)
    {
        if (callback is null)
        {
            return (400, "unparsable", null);
        }

        bool? signatureValid = null;
        var signature = request.Headers["X-Signature"].ToString();
        if (!string.IsNullOrEmpty(signature))
        {
            // No VA configured means nothing can verify: fail closed.
            signatureValid = ipaymuOptions.Va is { Length: > 0 } va && CallbackSignature.Verify(callback, va, signature);
            if (signatureValid == false)
            {
                return (401, "invalid_signature", false);
            }
        }
        else if (options.CallbackSignatureRequired)
        {
            return (401, "missing_signature", null);
        }

        if (callback.TrxId is not { } trx)
        {
            return (400, "no_transaction_id", signatureValid);
        }

        IPaymu.Models.TransactionStatus status;
        try
        {
            status = await ipaymu.CheckTransactionAsync(trx, CancellationToken.None);
        }
        catch (IPaymuUnavailableException)
        {
            return (503, "deferred_gateway_unavailable", signatureValid);
        }
        catch (IPaymuRejectedException ex)
        {
            // iPaymu does not know this transaction: forged, or from another merchant account.
            await billing.LogAsync("webhook", null, null, "error",
                new { kind = "unknown_transaction", transaction_id = trx, reference_id = callback.ReferenceId, gateway = ex.GatewayMessage },
                "Callback for a transaction iPaymu does not confirm");
            alerts.Raise("Payment oddity: callback for an unconfirmed transaction", new { transaction_id = trx, reference_id = callback.ReferenceId });
            return (200, "unknown_transaction", signatureValid);
        }

        try
        {
            if (status.ReferenceId is { } confirmedRef && callback.ReferenceId is { } claimedRef && confirmedRef != claimedRef)
            {
                await billing.LogAsync("webhook", null, null, "error",
                    new { kind = "reference_mismatch", transaction_id = trx, callback_reference = claimedRef, confirmed_reference = confirmedRef },
                    "Callback reference differs from iPaymu's record");
                alerts.Raise("Payment oddity: reference_mismatch", new { transaction_id = trx });
            }
            var payment = await billing.FindPaymentAsync(status.ReferenceId ?? callback.ReferenceId, trx, status.SessionId ?? callback.SessionId, CancellationToken.None);
            if (payment is null)
            {
                await billing.LogAsync("webhook", null, null, "error",
                    new { kind = "unknown_reference", transaction_id = trx, reference_id = status.ReferenceId ?? callback.ReferenceId },
                    "Payment for a reference this service did not create");
                alerts.Raise("Payment oddity: unknown_reference", new { transaction_id = trx, reference_id = status.ReferenceId ?? callback.ReferenceId });
                return (200, "unknown_reference", signatureValid);
            }
            using var _ = Serilog.Context.LogContext.PushProperty("InvoiceId", payment.InvoiceId);
            var outcome = await outcomes.ApplyAsync(status, payment, expireIfOpenPastGrace: false);
            LogApplied(logger, payment.ReferenceId, outcome);
            return (200, outcome, signatureValid);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            return (503, "deferred_database_unavailable", signatureValid);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A fault of ours: never a 500 to iPaymu; 503 makes it resend once we are fixed.
            LogProcessingFailed(logger, ex, callback.ReferenceId);
            return (503, "error:" + ex.GetType().Name, signatureValid);
        }
    }

    private static async Task<string?> ReadBodyAsync(HttpRequest request, CancellationToken ct)
    {
        if (request.ContentLength > JsonBody.MaxBytes)
        {
            return null;
        }
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int n;
        while ((n = await request.Body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + n > JsonBody.MaxBytes)
            {
                return null;
            }
            buffer.Write(chunk, 0, n);
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Callback could not be stored ({Error}); answered 503 so iPaymu resends")]
    private static partial void LogNotStored(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Callback for {ReferenceId} could not be processed")]
    private static partial void LogProcessingFailed(ILogger logger, Exception ex, string? referenceId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Callback for {ReferenceId}: {Outcome}")]
    private static partial void LogApplied(ILogger logger, string referenceId, string outcome);
}
