using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using BillingCycle.IPaymu.Models;
using BillingCycle.IPaymu.Signing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace BillingCycle.IPaymu.Http;

/// <summary>The IPaymuClient over HttpClient; resilience comes from the handler pipeline.</summary>
internal sealed partial class IPaymuHttpClient(
    HttpClient http, IOptions<IPaymuOptions> options, TimeProvider time, ILogger<IPaymuHttpClient> logger) : IPaymuClient
{
    /// <summary>Marks a request that may be repeated by the retry strategy.</summary>
    public static readonly HttpRequestOptionsKey<bool> Idempotent = new("ipaymu.idempotent");

    private IPaymuOptions Options => options.Value;

    public async Task<RedirectPaymentResult> CreateRedirectPaymentAsync(RedirectPaymentRequest request, CancellationToken ct)
    {
        var data = await SendAsync("payment.redirect", HttpMethod.Post, "/api/v2/payment", IPaymuJson.Serialize(request), false, ct);
        var sid = data.Str("SessionID", "SessionId", "sessionID");
        var url = data.Str("Url", "url", "PaymentUrl");
        if (sid is null || url is null)
        {
            throw new IPaymuUnavailableException("payment answer without SessionID or Url");
        }
        return new RedirectPaymentResult(sid, url, data);
    }

    public async Task<DirectPaymentResult> CreateDirectPaymentAsync(DirectPaymentRequest request, CancellationToken ct)
    {
        var data = await SendAsync("payment.direct", HttpMethod.Post, "/api/v2/payment/direct", IPaymuJson.Serialize(request), false, ct);
        var trx = data.Str("TransactionId", "TransactionID")
                  ?? throw new IPaymuUnavailableException("direct payment answer without TransactionId");
        return new DirectPaymentResult(
            data.Str("SessionId", "SessionID"), trx, data.Str("ReferenceId"), data.Str("Via"), data.Str("Channel"),
            data.Str("PaymentNo"), data.Str("PaymentName"), data.Long("Total"), data.Long("Fee"), data.Date("Expired"), data);
    }

    public async Task<TransactionStatus> CheckTransactionAsync(string transactionId, CancellationToken ct)
    {
        var body = IPaymuJson.Serialize(new { transactionId });
        var d = await SendAsync("transaction.check", HttpMethod.Post, "/api/v2/transaction", body, true, ct);
        return new TransactionStatus(
            d.Str("TransactionId", "TransactionID") ?? transactionId, d.Str("SessionId", "SessionID"), d.Str("ReferenceId"),
            d.Long("Amount"), d.Long("Fee"), d.Int("Status"), d.Str("StatusDesc"), d.Str("PaidStatus"),
            d.Date("CreatedDate"), d.Date("SuccessDate"), d.Date("ExpiredDate"), d);
    }

    public async Task<HistoryPage> GetHistoryAsync(HistoryQuery query, CancellationToken ct)
    {
        var d = await SendAsync("history", HttpMethod.Post, "/api/v2/history", IPaymuJson.Serialize(query), true, ct);
        // Two shapes are seen: {Transaction: [...], Pagination: {...}} and {Results: [...]}.
        var list = d.Get("Transaction", "Transactions", "Results", "Data");
        var items = new List<HistoryItem>();
        if (list is { ValueKind: JsonValueKind.Array } arr)
        {
            foreach (var t in arr.EnumerateArray())
            {
                items.Add(new HistoryItem(
                    t.Str("TransactionId", "TransactionID", "Id"), t.Str("SessionId", "SessionID"), t.Str("ReferenceId"),
                    t.Long("Amount"), t.Int("Status"), t.Date("CreatedDate", "Date")));
            }
        }
        var pagination = d.Get("Pagination");
        var totalPages = pagination is { } p ? p.Int("total_page", "totalPage", "TotalPage", "last_page") : null;
        return new HistoryPage(items, query.Page, totalPages, d);
    }

    public async Task<BalanceResult> GetBalanceAsync(CancellationToken ct)
    {
        var d = await SendAsync("balance", HttpMethod.Post, "/api/v2/balance", IPaymuJson.Serialize(new { account = Options.Va }), true, ct);
        return new BalanceResult(d.Str("Va"), d.Long("MerchantBalance"), d.Long("MemberBalance"), d);
    }

    public Task<JsonElement> GetPaymentChannelsAsync(CancellationToken ct) =>
        SendAsync("payment.channels", HttpMethod.Get, "/api/v2/payment-channels", null, true, ct);

    private async Task<JsonElement> SendAsync(string operation, HttpMethod method, string path, string? body, bool idempotent, CancellationToken ct)
    {
        var o = Options;
        if (!o.IsConfigured)
        {
            throw new IPaymuUnavailableException("IPAYMU_VA and IPAYMU_API_KEY are not configured");
        }

        using var request = new HttpRequestMessage(method, new Uri(o.Host, path));
        var signed = body ?? "{}";
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }
        request.Headers.TryAddWithoutValidation("va", o.Va);
        request.Headers.TryAddWithoutValidation("signature", RequestSigner.Sign(method.Method, o.Va!, signed, o.ApiKey!));
        request.Headers.TryAddWithoutValidation("timestamp", RequestSigner.Timestamp(time.GetUtcNow()));
        request.Options.Set(Idempotent, idempotent);

        var started = Stopwatch.GetTimestamp();
        var outcome = "ok";
        try
        {
            return await ExchangeAsync(request, ct);
        }
        catch (IPaymuRejectedException)
        {
            outcome = "rejected";
            throw;
        }
        catch (IPaymuUnavailableException ex)
        {
            outcome = "unavailable";
            LogUnavailable(logger, operation, ex.Reason);
            throw;
        }
        finally
        {
            var elapsed = Stopwatch.GetElapsedTime(started);
            IPaymuMetrics.CallDuration.Record(elapsed.TotalSeconds,
                new KeyValuePair<string, object?>("operation", operation), new KeyValuePair<string, object?>("outcome", outcome));
            LogCall(logger, operation, outcome, elapsed.TotalMilliseconds);
        }
    }

    private async Task<JsonElement> ExchangeAsync(HttpRequestMessage request, CancellationToken ct)
    {
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, ct);
        }
        catch (BrokenCircuitException ex)
        {
            throw new IPaymuUnavailableException("circuit open", ex);
        }
        catch (TimeoutRejectedException ex)
        {
            throw new IPaymuUnavailableException("timed out", ex);
        }
        catch (HttpRequestException ex) when (ex.HttpRequestError == HttpRequestError.ResponseEnded)
        {
            throw new IPaymuUnavailableException("answer was cut off", ex);
        }
        catch (HttpRequestException ex)
        {
            throw new IPaymuUnavailableException($"connection failed ({ex.HttpRequestError})", ex);
        }
        catch (OperationCanceledException ex) when (!ct.IsCancellationRequested)
        {
            throw new IPaymuUnavailableException("timed out", ex);
        }

        using (response)
        {
            string text;
            try
            {
                text = await response.Content.ReadAsStringAsync(ct);
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or TimeoutRejectedException
                                           or (OperationCanceledException and not TaskCanceledException { CancellationToken.IsCancellationRequested: true }))
            {
                throw new IPaymuUnavailableException("answer could not be read", ex);
            }

            var code = (int)response.StatusCode;
            if (response.Headers.TryGetValues(AnswerValidator.UnreadableHeader, out var unreadable))
            {
                throw new IPaymuUnavailableException(unreadable.First());
            }
            if (code >= 500 || response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout)
            {
                throw new IPaymuUnavailableException($"HTTP {code}");
            }

            JsonElement root;
            try
            {
                using var doc = JsonDocument.Parse(text);
                root = doc.RootElement.Clone();
            }
            catch (JsonException)
            {
                if (code >= 400)
                {
                    throw new IPaymuRejectedException(code, Excerpt(text), Excerpt(text));
                }
                throw new IPaymuUnavailableException("answer is not JSON");
            }

            var status = root.Int("Status") ?? code;
            var message = root.Str("Message") ?? response.ReasonPhrase ?? "no message";
            if (code >= 400 || status >= 400)
            {
                if (status >= 500)
                {
                    throw new IPaymuUnavailableException($"iPaymu status {status}: {message}");
                }
                throw new IPaymuRejectedException(status >= 400 ? status : code, message, Excerpt(text));
            }
            if (root.Get("Success") is { ValueKind: JsonValueKind.False })
            {
                throw new IPaymuRejectedException(status, message, Excerpt(text));
            }
            return root.Get("Data") is { ValueKind: JsonValueKind.Object or JsonValueKind.Array } data
                ? data
                : throw new IPaymuUnavailableException("answer without Data");
        }
    }

    private static string Excerpt(string s) => s.Length <= 500 ? s : s[..500];

    [LoggerMessage(Level = LogLevel.Debug, Message = "iPaymu {Operation} {Outcome} in {ElapsedMs:0.0} ms")]
    private static partial void LogCall(ILogger logger, string operation, string outcome, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "iPaymu {Operation} unavailable: {Reason}")]
    private static partial void LogUnavailable(ILogger logger, string operation, string reason);
}
