using System.Text;
using BillingCycle.Api.Infrastructure.Database;
using BillingCycle.Api.Infrastructure.Gateway;
using BillingCycle.Api.Infrastructure.Http;
using BillingCycle.Api.Infrastructure.Observability;
using BillingCycle.Api.Settlement;
using BillingCycle.IPaymu;
using BillingCycle.IPaymu.Callbacks;
using Microsoft.Extensions.Options;
using Npgsql;

namespace BillingCycle.Api.Webhooks;

/// <summary>
/// One iPaymu callback (contract §5, §6.6): stored first; then its signature; then iPaymu's own
/// check-transaction answer decides, through settlement. Returns how it went, as a type.
/// </summary>
public sealed partial class CallbackProcessor(
    WebhookEventStore events, TransactionConfirmation confirmation, IOptions<IPaymuOptions> ipaymu, GatewayOptions gateway,
    UnverifiedCallbackLimit unverifiedLimit, DatabaseOutage outage, ILogger<CallbackProcessor> logger)
{
    /// <summary>The outcome, or null when the event could not even be stored (the caller answers 503).</summary>
    public async Task<CallbackResult?> ProcessAsync(byte[] body, string? contentType, string? signature, string clientAddress,
        CancellationToken ct)
    {
        var text = Encoding.UTF8.GetString(body);
        var callback = IPaymuCallback.Parse(text, contentType);
        var trust = Verify(callback, signature);
        // Only what anyone could send counts against the address (contract §10.4); refused before it is stored.
        if (trust != Trust.Verified && !unverifiedLimit.TryCount(clientAddress))
        {
            BillingMetrics.WebhookEvents.Add(1, new KeyValuePair<string, object?>("outcome", "rate_limited"));
            return CallbackResult.RateLimited();
        }
        Guid eventId;
        try
        {
            // Only a verified callback is kept whole: anyone can post unsigned ones (contract §10.4).
            var payload = trust == Trust.Verified ? callback!.ToJson() : StoredExcerpt.Of(body, text);
            eventId = await events.InsertAsync(callback?.TrxId, callback?.ReferenceId, callback?.StatusCode, contentType, payload, ct);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            LogNotStored(logger, ex.GetType().Name);
            outage.Met("callback", ex);
            return null;
        }

        var result = await DecideAsync(callback, trust, eventId);
        try
        {
            // A paid or failed settlement wrote the outcome in its own transaction (one commit fewer).
            if (!result.OutcomeStored)
            {
                await events.SetOutcomeAsync(eventId, result.SignatureValid, result.Outcome);
            }
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            // The event is stored; only its outcome is missing. iPaymu resends on 503.
            outage.Met("callback", ex);
            result = CallbackResult.DatabaseUnavailable(result.SignatureValid);
        }
        BillingMetrics.WebhookEvents.Add(1, new KeyValuePair<string, object?>("outcome", result.Metric));
        return result;
    }

    private enum Trust
    {
        Unparsable,
        Verified,
        /// <summary>No X-Signature, accepted because IPAYMU_CALLBACK_SIGNATURE=optional.</summary>
        UnsignedAccepted,
        Missing,
        Invalid,
    }

    private Trust Verify(IPaymuCallback? callback, string? signature)
    {
        if (callback is null)
        {
            return Trust.Unparsable;
        }
        if (!string.IsNullOrEmpty(signature))
        {
            // No VA configured means nothing can verify: fail closed.
            return ipaymu.Value.Va is { Length: > 0 } va && CallbackSignature.Verify(callback, va, signature)
                ? Trust.Verified
                : Trust.Invalid;
        }
        return gateway.CallbackSignatureRequired ? Trust.Missing : Trust.UnsignedAccepted;
    }

    private async Task<CallbackResult> DecideAsync(IPaymuCallback? callback, Trust trust, Guid eventId)
    {
        switch (trust)
        {
            case Trust.Unparsable:
                return CallbackResult.Unparsable();
            case Trust.Invalid:
                return CallbackResult.BadSignature();
            case Trust.Missing:
                return CallbackResult.MissingSignature();
        }
        bool? signatureValid = trust == Trust.Verified ? true : null;
        if (callback!.TrxId is not { } trx)
        {
            return CallbackResult.NoTransactionId(signatureValid);
        }

        try
        {
            var confirmed = await confirmation.ConfirmAsync(trx, callback, events.Witness(eventId, signatureValid));
            using var _ = Serilog.Context.LogContext.PushProperty("InvoiceId", confirmed.Attempt?.InvoiceId);
            var result = CallbackResult.From(confirmed, signatureValid);
            LogHandled(logger, confirmed.Attempt?.ReferenceId ?? callback.ReferenceId, result.Outcome);
            return result;
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            outage.Met("callback", ex);
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
