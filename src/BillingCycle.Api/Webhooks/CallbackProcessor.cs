using System.Text.Json;
using BillingCycle.Api.Infrastructure.Gateway;
using BillingCycle.Api.Infrastructure.Observability;
using BillingCycle.Api.Settlement;
using BillingCycle.IPaymu;
using BillingCycle.IPaymu.Callbacks;
using Microsoft.Extensions.Options;
using Npgsql;

namespace BillingCycle.Api.Webhooks;

/// <summary>
/// One iPaymu callback (SPEC §5, §6.6): stored first; then its signature; then iPaymu's own
/// check-transaction answer decides, through settlement. Returns how it went, as a type.
/// </summary>
public sealed partial class CallbackProcessor(
    WebhookEventStore events, TransactionConfirmation confirmation, IOptions<IPaymuOptions> ipaymu, GatewayOptions gateway,
    ILogger<CallbackProcessor> logger)
{
    /// <summary>The outcome, or null when the event could not even be stored (the caller answers 503).</summary>
    public async Task<CallbackResult?> ProcessAsync(string body, string? contentType, string? signature, CancellationToken ct)
    {
        var callback = IPaymuCallback.Parse(body, contentType);
        Guid eventId;
        try
        {
            eventId = await events.InsertAsync(callback?.TrxId, callback?.ReferenceId, callback?.StatusCode, contentType,
                callback?.ToJson() ?? JsonSerializer.Serialize(new { unparsable = SafeText.Clean(body.Length > 4000 ? body[..4000] : body) }), ct);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            LogNotStored(logger, ex.GetType().Name);
            return null;
        }

        var result = await DecideAsync(callback, signature);
        try
        {
            await events.SetOutcomeAsync(eventId, result.SignatureValid, result.Outcome);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            // The event is stored; only its outcome is missing. iPaymu resends on 503.
            result = CallbackResult.DatabaseUnavailable(result.SignatureValid);
        }
        BillingMetrics.WebhookEvents.Add(1, new KeyValuePair<string, object?>("outcome", result.Metric));
        return result;
    }

    private async Task<CallbackResult> DecideAsync(IPaymuCallback? callback, string? signature)
    {
        if (callback is null)
        {
            return CallbackResult.Unparsable();
        }
        bool? signatureValid = null;
        if (!string.IsNullOrEmpty(signature))
        {
            // No VA configured means nothing can verify: fail closed.
            if (!(ipaymu.Value.Va is { Length: > 0 } va && CallbackSignature.Verify(callback, va, signature)))
            {
                return CallbackResult.BadSignature();
            }
            signatureValid = true;
        }
        else if (gateway.CallbackSignatureRequired)
        {
            return CallbackResult.MissingSignature();
        }
        if (callback.TrxId is not { } trx)
        {
            return CallbackResult.NoTransactionId(signatureValid);
        }

        try
        {
            var confirmed = await confirmation.ConfirmAsync(trx, callback);
            using var _ = Serilog.Context.LogContext.PushProperty("InvoiceId", confirmed.Attempt?.InvoiceId);
            var result = CallbackResult.From(confirmed, signatureValid);
            LogHandled(logger, confirmed.Attempt?.ReferenceId ?? callback.ReferenceId, result.Outcome);
            return result;
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            return CallbackResult.DatabaseUnavailable(signatureValid);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A fault of ours: never a 500 to iPaymu; 503 makes it resend once we are fixed.
            LogProcessingFailed(logger, ex, callback.ReferenceId);
            return CallbackResult.Failed(signatureValid, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Callback could not be stored ({Error}); answered 503 so iPaymu resends")]
    private static partial void LogNotStored(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Callback for {ReferenceId} could not be processed")]
    private static partial void LogProcessingFailed(ILogger logger, Exception ex, string? referenceId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Callback for {ReferenceId}: {Outcome}")]
    private static partial void LogHandled(ILogger logger, string? referenceId, string outcome);
}
