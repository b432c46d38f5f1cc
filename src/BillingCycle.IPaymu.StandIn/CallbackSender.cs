using System.Globalization;
using System.Text.Json;
using BillingCycle.IPaymu.Callbacks;
using Microsoft.Extensions.Options;

namespace BillingCycle.IPaymu.StandIn;

/// <summary>A signed callback, ready to deliver (or handed to a test to deliver itself).</summary>
public sealed record SignedCallback(string ContentType, string Body, string Signature, string Timestamp, string ExternalId, string NotifyUrl);

public sealed record Delivery(SignedCallback Callback, bool Delivered, int? StatusCode, string? Error);

/// <summary>Builds callbacks exactly as iPaymu does and signs them with the merchant VA.</summary>
public sealed class CallbackSender(IHttpClientFactory httpFactory, IOptions<StandInOptions> options)
{
    public SignedCallback Build(StandInPayment p)
    {
        var now = DateTimeOffset.UtcNow;
        var paid = p.Status is 1 or 6 or 7;
        var fields = new List<KeyValuePair<string, string?>>
        {
            new("trx_id", p.TransactionId),
            new("sid", p.SessionId),
            new("reference_id", p.ReferenceId),
            new("status", p.Status switch { 1 => "berhasil", 0 => "pending", -2 => "expired", _ => "gagal" }),
            new("status_code", p.Status.ToString(CultureInfo.InvariantCulture)),
            new("sub_total", p.Amount.ToString(CultureInfo.InvariantCulture)),
            new("total", p.Amount.ToString(CultureInfo.InvariantCulture)),
            new("amount", p.Amount.ToString(CultureInfo.InvariantCulture)),
            new("fee", p.Fee.ToString(CultureInfo.InvariantCulture)),
            new("paid_off", (p.Amount - p.Fee).ToString(CultureInfo.InvariantCulture)),
            new("created_at", GatewayEndpoints.Wib(p.CreatedAt)),
            new("expired_at", GatewayEndpoints.Wib(p.ExpiresAt)),
            new("paid_at", paid && p.PaidAt is { } at ? GatewayEndpoints.Wib(at) : ""),
            new("settlement_status", paid ? "settled" : "unsettled"),
            new("transaction_status_code", p.Status.ToString(CultureInfo.InvariantCulture)),
            new("is_escrow", "false"),
            new("system_notes", "Stand-in notify"),
            new("via", p.Via),
            new("channel", p.Channel),
            new("payment_no", ""),
            new("buyer_name", p.BuyerName),
            new("buyer_email", p.BuyerEmail),
            new("buyer_phone", p.BuyerPhone),
            new("additional_info", "[]"),
            new("url", p.NotifyUrl),
            new("va", options.Value.Va),
            new("is_sandbox", "true"),
        };
        var callback = new IPaymuCallback(fields);
        var signature = CallbackSignature.Compute(callback, options.Value.Va);
        string body, contentType;
        if (options.Value.CallbackFormat == "json")
        {
            contentType = "application/json";
            body = JsonSerializer.Serialize(fields.ToDictionary(f => f.Key, f => f.Value));
        }
        else
        {
            contentType = "application/x-www-form-urlencoded";
            body = string.Join('&', fields.Select(f => $"{Uri.EscapeDataString(f.Key)}={Uri.EscapeDataString(f.Value ?? "")}"));
        }
        return new SignedCallback(contentType, body, signature,
            now.ToOffset(TimeSpan.FromHours(7)).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture),
            Guid.NewGuid().ToString("N"), p.NotifyUrl);
    }

    public async Task<Delivery> DeliverAsync(SignedCallback cb, CancellationToken ct)
    {
        using var req = new HttpRequestMessage(HttpMethod.Post, cb.NotifyUrl)
        {
            Content = new StringContent(cb.Body, System.Text.Encoding.UTF8, cb.ContentType),
        };
        req.Content.Headers.ContentType!.CharSet = null;
        req.Headers.TryAddWithoutValidation("X-Signature", cb.Signature);
        req.Headers.TryAddWithoutValidation("X-Timestamp", cb.Timestamp);
        req.Headers.TryAddWithoutValidation("X-External-ID", cb.ExternalId);
        try
        {
            using var res = await httpFactory.CreateClient("callbacks").SendAsync(req, ct);
            return new Delivery(cb, res.IsSuccessStatusCode, (int)res.StatusCode, null);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or InvalidOperationException)
        {
            return new Delivery(cb, false, null, ex.Message);
        }
    }
}
